/**
 * The slice of `fetch` the Azure REST clients (DPS, IoT Hub) use, so global fetch, undici's
 * `request` wrapped to look like it, and test fakes all fit.
 */
export type HttpFetchInit = {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  redirect?: "follow" | "manual" | "error";
};

export type HttpFetchResponse = {
  status: number;
  headers: { get(name: string): string | null };
  /** When it is an async iterable of bytes (undici's and WHATWG streams are), the body is read from here, up to a bound. */
  body?: unknown;
  text(): Promise<string>;
};

export type HttpFetch = (url: string, init: HttpFetchInit) => Promise<HttpFetchResponse>;

export type HttpReply = { status: number; headers: HttpFetchResponse["headers"]; body: string };
