import type { Dispatcher } from "undici";
import type { HttpFetchResponse } from "./fetch-types";

type HeaderValue = string | string[] | undefined;

function headerReader(headers: Record<string, HeaderValue>): HttpFetchResponse["headers"] {
  return {
    get(name) {
      const value = headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(", ") : value;
    },
  };
}

/**
 * An undici `request` answer seen as the slice of `fetch`'s the REST clients read (status, headers,
 * the body as a stream or text), so the DPS and hub transports hand back the same thing.
 */
export function undiciResponse(response: Dispatcher.ResponseData): HttpFetchResponse {
  return {
    status: response.statusCode,
    headers: headerReader(response.headers),
    body: response.body,
    text: () => response.body.text(),
  };
}
