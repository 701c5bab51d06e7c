import { unlessAborted } from "@/lib/abortable";
import { readBoundedBody } from "./bounded-body";
import type { HttpFetch, HttpReply } from "./fetch-types";

export type Exchange =
  | { type: "reply"; reply: HttpReply }
  | { type: "aborted" }
  | { type: "timeout" }
  | { type: "network-error"; error: unknown };

export type BoundedRequest = {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  maxResponseBytes: number;
  tooLarge: (limit: number) => Error;
};

/**
 * One HTTP exchange, bounded by `timeoutMs` (wall clock), the caller's signal and the answer's size.
 * Redirects are not followed: Azure's REST APIs never redirect, and following one could carry the
 * SAS token elsewhere. Every outcome is a value.
 */
export async function boundedExchange(
  fetch: HttpFetch,
  request: BoundedRequest,
  options: { timeoutMs: number; signal: AbortSignal | undefined },
): Promise<Exchange> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new Error("request timed out")), options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
  try {
    const response = await unlessAborted(
      fetch(request.url, {
        method: request.method,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        signal,
        redirect: "manual",
      }),
      signal,
    );
    const body = await unlessAborted(
      readBoundedBody(response, request.maxResponseBytes, request.tooLarge),
      signal,
    );
    return { type: "reply", reply: { status: response.status, headers: response.headers, body } };
  } catch (error) {
    if (options.signal?.aborted) return { type: "aborted" };
    if (timeout.signal.aborted) return { type: "timeout" };
    return { type: "network-error", error };
  } finally {
    clearTimeout(timer);
  }
}
