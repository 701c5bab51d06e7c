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
  text(): Promise<string>;
};

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
};

export type HttpReply = { status: number; headers: DpsFetchResponse["headers"]; body: string };

export type Exchange =
  | { type: "reply"; reply: HttpReply }
  | { type: "aborted" }
  | { type: "timeout" }
  | { type: "network-error"; error: unknown };

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  // A fetch that ignores its signal must not keep the caller waiting, nor surface a late rejection.
  promise.catch(() => undefined);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/**
 * One HTTP exchange with DPS, bounded by `timeoutMs` (wall clock) and the caller's signal. Redirects
 * are not followed: DPS never redirects, and following one could carry the SAS token elsewhere.
 */
export async function exchange(
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
    const response = await untilAborted(
      fetch(request.url, {
        method: request.method,
        headers,
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        signal,
        redirect: "manual",
      }),
      signal,
    );
    const body = await untilAborted(response.text(), signal);
    return { type: "reply", reply: { status: response.status, headers: response.headers, body } };
  } catch (error) {
    if (options.signal?.aborted) return { type: "aborted" };
    if (timeout.signal.aborted) return { type: "timeout" };
    return { type: "network-error", error };
  } finally {
    clearTimeout(timer);
  }
}
