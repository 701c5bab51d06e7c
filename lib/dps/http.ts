import { observeDpsExchange } from "@/lib/observability/dps-observer";
import { boundedExchange, type Exchange } from "@/lib/http/exchange";
import type { HttpFetch, HttpFetchInit, HttpFetchResponse, HttpReply } from "@/lib/http/fetch-types";
import type { DpsConnection } from "./types";

/** Current stable device API (azure-rest-api-specs, DeviceProvisioningServices stable/2021-10-01/device.json). */
export const DPS_API_VERSION = "2021-10-01";
export const DPS_USER_AGENT = "hyperscaler-integration-center/0.1.0";

export type DpsFetchInit = HttpFetchInit;
export type DpsFetchResponse = HttpFetchResponse;

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

export type DpsFetch = HttpFetch;

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

export type { Exchange, HttpReply };

/**
 * One HTTP exchange with DPS, bounded by `timeoutMs` (wall clock), the caller's signal and
 * the answer's size (lib/http/exchange.ts); DPS never redirects, so none is followed.
 */
export async function exchange(
  fetch: DpsFetch,
  request: DpsHttpRequest,
  options: { timeoutMs: number; signal: AbortSignal | undefined },
): Promise<Exchange> {
  return observeDpsExchange(request, () =>
    boundedExchange(
      fetch,
      {
        method: request.method,
        url: request.url,
        headers: {
          Authorization: request.sasToken,
          "Content-Type": "application/json; charset=utf-8",
          Accept: "application/json",
          "User-Agent": DPS_USER_AGENT,
          ...request.headers,
        },
        body: request.body,
        maxResponseBytes: request.maxResponseBytes ?? MAX_DPS_RESPONSE_BYTES,
        tooLarge: (limit) => new DpsResponseTooLargeError(limit),
      },
      options,
    ),
  );
}
