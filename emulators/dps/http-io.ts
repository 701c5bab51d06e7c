import type { IncomingMessage, ServerResponse } from "node:http";

/** The Node SDK throws on any other content type (docs/dps-protocol.md §1), so every answer carries exactly this. */
export const JSON_CONTENT_TYPE = "application/json; charset=utf-8";

/** DPS's maximum message size (docs/dps-protocol.md §4). */
export const MAX_BODY_BYTES = 96 * 1024;

/** Resolves with the body, or `null` when it is larger than DPS accepts (the rest is drained, not buffered). */
export function readBody(request: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on("end", () =>
      resolve(tooLarge ? null : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)),
    );
    request.on("error", reject);
  });
}

export function writeJson(
  response: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, {
    ...headers,
    "content-type": JSON_CONTENT_TYPE,
    "content-length": String(Buffer.byteLength(text)),
  });
  response.end(text);
}

/** `undefined` for an empty body, `null` for one that is not JSON. */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString("utf8")) as unknown;
  } catch {
    return null;
  }
}

export function queryParameter(query: string, name: string): string | null {
  for (const pair of query.split("&")) {
    const eq = pair.indexOf("=");
    const key = eq === -1 ? pair : pair.slice(0, eq);
    if (key !== name) continue;
    try {
      return decodeURIComponent((eq === -1 ? "" : pair.slice(eq + 1)).replace(/\+/g, " "));
    } catch {
      return null;
    }
  }
  return null;
}

export function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
