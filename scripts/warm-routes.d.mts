import type { IncomingMessage, ServerResponse } from "node:http";

export function routeHandlerPaths(manifestKeys: string[]): string[];
export function warmRouteHandlers(
  root: string,
  listener: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<number>;
