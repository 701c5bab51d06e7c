import type { IncomingMessage, ServerResponse } from "node:http";

export function routeKeys(dir: string): string[];
export function routePatterns(manifestKeys: string[]): string[];
export function routeMatcher(patterns: string[]): (pathname: string) => string;
export function requestKind(req: IncomingMessage, route: string): "page" | "action" | "api" | "static";
export function requestTimer(dir: string): (req: IncomingMessage, res: ServerResponse) => void;
