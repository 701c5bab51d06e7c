import { DPS_API_VERSION } from "../http";

/**
 * The service API's resources (docs/dps-protocol.md §8.3). Every call names the api-version; the
 * paging headers are the service API's, not HTTP's.
 */

export const CONTINUATION_HEADER = "x-ms-continuation";
export const MAX_ITEM_COUNT_HEADER = "x-ms-max-item-count";
export const ITEM_TYPE_HEADER = "x-ms-item-type";

const query = `api-version=${DPS_API_VERSION}`;

const base = (host: string) => `https://${host}`;

export function enrollmentGroupUrl(host: string, enrollmentGroupId: string): string {
  return `${base(host)}/enrollmentGroups/${encodeURIComponent(enrollmentGroupId)}?${query}`;
}

export function enrollmentGroupQueryUrl(host: string): string {
  return `${base(host)}/enrollmentGroups/query?${query}`;
}

export function registrationStateUrl(host: string, registrationId: string): string {
  return `${base(host)}/registrations/${encodeURIComponent(registrationId)}?${query}`;
}

export function registrationStateQueryUrl(host: string, enrollmentGroupId: string): string {
  return `${base(host)}/registrations/${encodeURIComponent(enrollmentGroupId)}/query?${query}`;
}

/** The query body for "every item"; DPS's query language is SQL-like, and the app never filters server-side. */
export const SELECT_ALL = { query: "*" } as const;
