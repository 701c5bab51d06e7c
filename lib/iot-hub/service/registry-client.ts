import { sleep as abortableSleep } from "@/lib/abortable";
import { createServiceSasToken } from "@/lib/dps/service/sas";
import { parseSasToken } from "@/lib/dps/sas";
import { boundedExchange } from "@/lib/http/exchange";
import type { HttpFetch, HttpReply } from "@/lib/http/fetch-types";
import { redact } from "@/lib/http/redact";
import { backoffDelayMs, retryAfterMsFromHeaders } from "@/lib/http/retry-after";
import { IOT_HUB_API_VERSION } from "../device-credentials";
import type { HubServiceConnection } from "./connection-string";
import {
  failureFromHubNetworkError,
  failureFromHubReply,
  type ClassifiedFailure,
  type HubFailure,
  type HubServiceResult,
} from "./failures";
import { readHubIdentity, readHubIdentityPage, type HubIdentity } from "./wire";

export type HubRights = { registryRead: boolean; registryWrite: boolean };

export type HubIdentityPage = { items: HubIdentity[]; continuationToken: string | null };

/**
 * The identity registry of an IoT hub through its service REST API (docs/iot-hub-protocol.md §3),
 * for the calls the app makes. Every outcome is a value; throttling, 5xx and dropped connections
 * are retried per the retry policy (never sooner than the hub's Retry-After); no message carries
 * the policy key or a token made from it.
 */
export type HubRegistryClient = {
  getIdentity(
    c: HubServiceConnection,
    deviceId: string,
    signal?: AbortSignal,
  ): Promise<HubServiceResult<HubIdentity>>;
  /** PUT with If-Match (etag, or "*" when null); keeps the keys and auth as they are. */
  setIdentityStatus(
    c: HubServiceConnection,
    deviceId: string,
    status: "enabled" | "disabled",
    statusReason: string | null,
    etag: string | null,
    signal?: AbortSignal,
  ): Promise<HubServiceResult<HubIdentity>>;
  /** If-Match etag or "*". A 404 is returned as failure kind "not-found": callers that delete count it as done. */
  deleteIdentity(
    c: HubServiceConnection,
    deviceId: string,
    etag: string | null,
    signal?: AbortSignal,
  ): Promise<HubServiceResult<null>>;
  /** POST /devices/query "SELECT * FROM devices", x-ms-max-item-count / x-ms-continuation. */
  queryIdentities(
    c: HubServiceConnection,
    page: { pageSize?: number; continuationToken?: string | null },
    signal?: AbortSignal,
  ): Promise<HubServiceResult<HubIdentityPage>>;
  /** Without side effects (GET and DELETE of a device ID that cannot exist: 404 = allowed, 401/403 = not). */
  probeRights(c: HubServiceConnection, signal?: AbortSignal): Promise<HubServiceResult<HubRights>>;
};

export type HubRetryPolicy = {
  /** Requests per call, the first one included. */
  maxAttempts: number;
  /** For refused connections and resolver hiccups, which usually mean a wrong address. */
  maxUnreachableAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A hub asking for a longer pause than this gets the failure back instead. */
  maxRetryAfterMs: number;
};

/** Short: the calls are made while someone waits for a page or a form; queue work passes its own. */
export const DEFAULT_HUB_RETRY_POLICY: HubRetryPolicy = {
  maxAttempts: 3,
  maxUnreachableAttempts: 2,
  baseDelayMs: 500,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 10_000,
};

export type HubRegistryClientOptions = {
  /** Dials the hub: the URL names the hub itself; the fetch decides where that connects (createHubFetch). */
  fetch: HttpFetch;
  /** The outbound host policy: a refusal (plain-language reason) stops the call before any byte leaves. */
  hostRefusal?: (hubHost: string) => string | null;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  retryPolicy?: Partial<HubRetryPolicy>;
  requestTimeoutMs?: number;
  sasTokenLifetimeSeconds?: number;
};

/** An identity is a few hundred bytes (keys, thumbprints, times); anything near this is not IoT Hub. */
export const MAX_HUB_RESPONSE_BYTES = 64 * 1024;
/** A query answers whole twins: tags, desired and reported properties can reach tens of KB each. */
const BYTES_PER_TWIN = 48 * 1024;
export const DEFAULT_QUERY_PAGE_SIZE = 100;
/** IoT Hub answers at most 1000 twins per page. */
export const MAX_QUERY_PAGE_SIZE = 1000;
export const HUB_USER_AGENT = "hyperscaler-integration-center/0.1.0";

/**
 * A valid device ID no one has (a fresh random suffix each time): the hub checks the right before
 * it looks the device up, so a 404 proves the right. The DELETE also carries an etag no identity
 * can have, so even a device of that name would not be deleted (412, which proves the right too).
 */
const probeDeviceId = () => `hic-rights-probe-${crypto.randomUUID()}`;
const IMPOSSIBLE_ETAG = "hic-rights-probe-never-matches";

export class HubResponseTooLargeError extends Error {
  readonly code = "HIC_HUB_RESPONSE_TOO_LARGE";
  constructor(limit: number) {
    super(`The hub answered with more than ${Math.round(limit / 1024)} KiB; the rest was not read.`);
  }
}

type Request = {
  method: "GET" | "PUT" | "POST" | "DELETE";
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  maxResponseBytes?: number;
};

type Interpret<T> = (reply: HttpReply) => HubServiceResult<T>;

const ifMatch = (etag: string | null) => ({ "If-Match": etag ? `"${etag.replace(/"/g, "")}"` : '"*"' });

function invalid(hubHost: string, reply: HttpReply, what: string): { ok: false; failure: HubFailure } {
  return {
    ok: false,
    failure: {
      kind: "invalid-response",
      status: reply.status,
      message: `${hubHost} answered HTTP ${reply.status} with a body that is not ${what}.`,
    },
  };
}

function jsonBody(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

export function createHubRegistryClient(options: HubRegistryClientOptions): HubRegistryClient {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  const policy = { ...DEFAULT_HUB_RETRY_POLICY, ...options.retryPolicy };
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const lifetime = options.sasTokenLifetimeSeconds ?? 600;

  async function call<T>(
    connection: HubServiceConnection,
    request: Request,
    interpret: Interpret<T>,
    signal: AbortSignal | undefined,
  ): Promise<HubServiceResult<T>> {
    const hub = connection.hostName.toLowerCase();
    const refusal = options.hostRefusal?.(hub) ?? null;
    if (refusal) return { ok: false, failure: { kind: "not-allowed-host", status: null, message: refusal } };
    // Nothing that could carry the policy key may reach a result: the key, every token and signature sent.
    const secrets = [connection.key];
    const clean = (failure: HubFailure): { ok: false; failure: HubFailure } => ({
      ok: false,
      failure: { ...failure, message: redact(failure.message, secrets) },
    });
    const separator = request.path.includes("?") ? "&" : "?";
    const url = `https://${hub}${request.path}${separator}api-version=${IOT_HUB_API_VERSION}`;
    for (let attempt = 1; ; attempt += 1) {
      if (signal?.aborted)
        return clean({ kind: "unreachable", status: null, message: "The request to the hub was cancelled." });
      const token = createServiceSasToken(
        { host: hub, policyName: connection.policyName, key: connection.key },
        Math.floor(now() / 1000) + lifetime,
      );
      const sig = parseSasToken(token)?.sig;
      secrets.push(token, ...(sig ? [sig, decodeURIComponent(sig)] : []));
      const exchanged = await boundedExchange(
        options.fetch,
        {
          method: request.method,
          url,
          headers: {
            Authorization: token,
            "Content-Type": "application/json; charset=utf-8",
            Accept: "application/json",
            "User-Agent": HUB_USER_AGENT,
            ...request.headers,
          },
          body: request.body,
          maxResponseBytes: request.maxResponseBytes ?? MAX_HUB_RESPONSE_BYTES,
          tooLarge: (limit) => new HubResponseTooLargeError(limit),
        },
        { timeoutMs: requestTimeoutMs, signal },
      );
      let classified: ClassifiedFailure;
      let retryAfterMs: number | null = null;
      switch (exchanged.type) {
        case "reply": {
          const reply = exchanged.reply;
          if (reply.status >= 200 && reply.status < 300) {
            const result = interpret(reply);
            return result.ok ? result : clean(result.failure);
          }
          classified = failureFromHubReply(hub, reply);
          retryAfterMs = retryAfterMsFromHeaders(reply.headers, now());
          break;
        }
        case "aborted":
          return clean({
            kind: "unreachable",
            status: null,
            message: "The request to the hub was cancelled.",
          });
        case "timeout":
          classified = {
            failure: {
              kind: "unreachable",
              status: null,
              message: `${hub} did not answer within ${Math.round(requestTimeoutMs / 1000)} s.`,
            },
            retry: "yes",
          };
          break;
        case "network-error":
          classified =
            exchanged.error instanceof HubResponseTooLargeError
              ? {
                  failure: { kind: "invalid-response", status: null, message: exchanged.error.message },
                  retry: "no",
                }
              : failureFromHubNetworkError(hub, exchanged.error);
          break;
      }
      const limit = classified.retry === "few" ? policy.maxUnreachableAttempts : policy.maxAttempts;
      const tooLong = retryAfterMs !== null && retryAfterMs > policy.maxRetryAfterMs;
      if (classified.retry === "no" || attempt >= limit || tooLong) return clean(classified.failure);
      await sleep(backoffDelayMs(attempt, policy, random, retryAfterMs), signal);
    }
  }

  const identity: Interpret<HubIdentity> = (reply) => {
    const read = readHubIdentity(jsonBody(reply.body), reply.headers.get("etag"));
    return read ? { ok: true, value: read } : invalid("The hub", reply, "a device identity");
  };

  const devicePath = (deviceId: string) => `/devices/${encodeURIComponent(deviceId)}`;

  async function getRaw(
    connection: HubServiceConnection,
    deviceId: string,
    signal: AbortSignal | undefined,
  ): Promise<HubServiceResult<{ body: Record<string, unknown>; identity: HubIdentity }>> {
    return call(
      connection,
      { method: "GET", path: devicePath(deviceId) },
      (reply) => {
        const body = jsonBody(reply.body);
        const read = readHubIdentity(body, reply.headers.get("etag"));
        return read
          ? { ok: true, value: { body: body as Record<string, unknown>, identity: read } }
          : invalid(connection.hostName, reply, "a device identity");
      },
      signal,
    );
  }

  /** One probe request: a 404 for the impossible ID proves the right; a 401/403 denies it. */
  async function allowed(
    connection: HubServiceConnection,
    method: "GET" | "DELETE",
    signal: AbortSignal | undefined,
  ): Promise<HubServiceResult<boolean>> {
    const result = await call<boolean>(
      connection,
      {
        method,
        path: devicePath(probeDeviceId()),
        ...(method === "DELETE" ? { headers: ifMatch(IMPOSSIBLE_ETAG) } : {}),
      },
      (reply) => invalid(connection.hostName, reply, `a 404 for a device that cannot exist (${method})`),
      signal,
    );
    if (result.ok) return result;
    const { kind } = result.failure;
    if (kind === "not-found" || kind === "precondition-failed") return { ok: true, value: true };
    if (kind === "forbidden") return { ok: true, value: false };
    return result;
  }

  return {
    getIdentity: (connection, deviceId, signal) =>
      call(connection, { method: "GET", path: devicePath(deviceId) }, identity, signal),

    async setIdentityStatus(connection, deviceId, status, statusReason, etag, signal) {
      // A PUT replaces the whole identity: without its authentication the hub would make new keys.
      const current = await getRaw(connection, deviceId, signal);
      if (!current.ok) return current;
      const body = { ...current.value.body, deviceId: current.value.identity.deviceId, status, statusReason };
      return call(
        connection,
        { method: "PUT", path: devicePath(deviceId), body, headers: ifMatch(etag) },
        identity,
        signal,
      );
    },

    deleteIdentity: (connection, deviceId, etag, signal) =>
      call(
        connection,
        { method: "DELETE", path: devicePath(deviceId), headers: ifMatch(etag) },
        () => ({ ok: true, value: null }),
        signal,
      ),

    queryIdentities(connection, page, signal) {
      const size = Math.min(
        MAX_QUERY_PAGE_SIZE,
        Math.max(1, Math.floor(page.pageSize ?? DEFAULT_QUERY_PAGE_SIZE)),
      );
      return call(
        connection,
        {
          method: "POST",
          path: "/devices/query",
          body: { query: "SELECT * FROM devices" },
          headers: {
            "x-ms-max-item-count": String(size),
            ...(page.continuationToken ? { "x-ms-continuation": page.continuationToken } : {}),
          },
          maxResponseBytes: MAX_HUB_RESPONSE_BYTES + size * BYTES_PER_TWIN,
        },
        (reply) => {
          const items = readHubIdentityPage(jsonBody(reply.body));
          if (items === null) return invalid(connection.hostName, reply, "a list of device twins");
          const token = reply.headers.get("x-ms-continuation");
          return { ok: true, value: { items, continuationToken: token ? token : null } };
        },
        signal,
      );
    },

    async probeRights(connection, signal) {
      const read = await allowed(connection, "GET", signal);
      if (!read.ok && read.failure.kind !== "unauthorized") return read;
      const write = await allowed(connection, "DELETE", signal);
      if (!write.ok && write.failure.kind !== "unauthorized") return write;
      const registryRead = read.ok && read.value;
      const registryWrite = write.ok && write.value;
      // IoT Hub answers 401 for a missing right and for a wrong key alike: with neither right
      // granted, the key (or policy name) is the likelier fault, and the string is of no use here.
      if (!registryRead && !registryWrite)
        return {
          ok: false,
          failure: {
            kind: "unauthorized",
            status: 401,
            message: `${connection.hostName} did not accept this connection string for reading or writing the identity registry: check the key and the policy name (SharedAccessKeyName), and that the policy has Registry Read.`,
          },
        };
      return { ok: true, value: { registryRead, registryWrite } };
    },
  };
}
