import type { HttpFetchResponse } from "./fetch-types";

/**
 * Reads an answer's body up to `limit` bytes and throws `tooLarge(limit)` past it: a service that
 * answers with megabytes is not the service we meant, and an endless answer is never read to its
 * end (leaving the loop early cancels the stream).
 */
export async function readBoundedBody(
  response: HttpFetchResponse,
  limit: number,
  tooLarge: (limit: number) => Error,
): Promise<string> {
  const body = response.body as AsyncIterable<Uint8Array> | null | undefined;
  if (!body || typeof body[Symbol.asyncIterator] !== "function") {
    const text = await response.text();
    if (Buffer.byteLength(text) > limit) throw tooLarge(limit);
    return text;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString("utf8");
}
