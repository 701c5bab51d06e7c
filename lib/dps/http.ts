import { observeDpsExchange } from "@/lib/observability/dps-observer";
import { unlessAborted } from "@/lib/abortable";
import type { DpsConnection } from "./types";

/** Current stable device API (azure-rest-api-specs, DeviceProvisioningServices stable/2021-10-01/device.json). */
export const DPS_API_VERSION = "2021-10-01";
export const DPS_USER_AGENT = "hyperscaler-integration-center/0.1.0";

export type DpsFetchInit = {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  redirect?: "follow" | "manual" | "error";
};

/** The slice of `fetch` the client uses, so global fetch, undici's fetch and test fakes all fit. */
export type DpsFetchResponse = {
  status: number;
  headers: { get(name: string): string | null };
  /** When it is an async iterable of bytes (undici's and WHATWG streams are), the body is read from here, up to MAX_DPS_RESPONSE_BYTES. */
  body?: unknown;
  text(): Promise<string>;
};

/** DPS answers are a few hundred bytes; anything near this is not DPS, and is not read further. */
export const MAX_DPS_RESPONSE_BYTES = 64 * 1024;

export class DpsResponseTooLargeError extends Error {
  readonly code = "HIC_DPS_RESPONSE_TOO_LARGE";
  constructor(limit: number) {
    super(
      `The DPS endpoint answered with more than ${Math.round(limit / 1024)} KiB; that is not a DPS response, so the rest was not read.`,
    );
  }
}

async function readBody(response: DpsFetchResponse, limit: number): Promise<string> {
  const body = response.body as AsyncIterable<Uint8Array> | null | undefined;
  if (!body || typeof body[Symbol.asyncIterator] !== "function") {
    const text = await response.text();
    if (Buffer.byteLength(text) > limit) throw new DpsResponseTooLargeError(limit);
    return text;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early cancels the stream, so an endless answer is never read to its end.
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw new DpsResponseTooLargeError(limit);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString("utf8");
}

export type DpsFetch = (url: string, init: DpsFetchInit) => Promise<DpsFetchResponse>;

function registrationPath(connection: DpsConnection, registrationId: string): string {
  return `https://${connection.host}/${encodeURIComponent(connection.idScope)}/registrations/${encodeURIComponent(registrationId)}`;
}

const apiVersionQuery = `api-version=${DPS_API_VERSION}`;

export function registerUrl(connection: DpsConnection, registrationId: string): string {
  return `${registrationPath(connection, registrationId)}/register?${apiVersionQuery}`;
}

export function operationUrl(connection: DpsConnection, registrationId: string, operationId: string): string {
  return `${registrationPath(connection, registrationId)}/operations/${encodeURIComponent(operationId)}?${apiVersionQuery}`;
}

export function statusLookupUrl(connection: DpsConnection, registrationId: string): string {
  return `${registrationPath(connection, registrationId)}?${apiVersionQuery}`;
}

export type DpsHttpRequest = {
  method: "PUT" | "GET" | "POST" | "DELETE";
  url: string;
  sasToken: string;
  body?: unknown;
  /** Besides the ones every request carries (the service API's paging and If-Match headers). */
  headers?: Record<string, string>;
  /** The most of the answer that is read; MAX_DPS_RESPONSE_BYTES unless the call expects a page of items. */
  maxResponseBytes?: number;
};

export type HttpReply = { status: number; headers: DpsFetchResponse["headers"]; body: string };

export type Exchange =
  | { type: "reply"; reply: HttpReply }
  | { type: "aborted" }
  | { type: "timeout" }
  | { type: "network-error"; error: unknown };

/**
 * One HTTP exchange with DPS, bounded by `timeoutMs` (wall clock) and the caller's signal. Redirects
 * are not followed: DPS never redirects, and following one could carry the SAS token elsewhere.
 */
export async function exchange(
  fetch: DpsFetch,
  request: DpsHttpRequest,
  options: { timeoutMs: number; signal: AbortSignal | undefined },
): Promise<Exchange> {
  return observeDpsExchange(request, () => exchangeOnce(fetch, request, options));
}

async function exchangeOnce(
  fetch: DpsFetch,
  request: DpsHttpRequest,
  options: { timeoutMs: number; signal: AbortSignal | undefined },
): Promise<Exchange> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new Error("DPS request timed out")), options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
  const headers: Record<string, string> = {
    Authorization: request.sasToken,
    "Content-Type": "application/json; charset=utf-8",
    Accept: "application/json",
    "User-Agent": DPS_USER_AGENT,
    ...request.headers,
  };
  try {
    const response = await unlessAborted(
      fetch(request.url, {
        method: request.method,
        headers,
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        signal,
        redirect: "manual",
      }),
      signal,
    );
    const body = await unlessAborted(
      readBody(response, request.maxResponseBytes ?? MAX_DPS_RESPONSE_BYTES),
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
