import { sleep as abortableSleep } from "@/lib/abortable";
import {
  abortedFailure,
  failureFromNetworkError,
  failureFromReply,
  redact,
  transientFailure,
} from "../errors";
import { exchange, MAX_DPS_RESPONSE_BYTES, type DpsFetch, type HttpReply } from "../http";
import { decideRetry, DEFAULT_RETRY_POLICY, type RetryPolicy } from "../retry-policy";
import { parseSasToken } from "../sas";
import type { DpsFailure } from "../types";
import { parseJson, readRegistrationState, type WireRegistrationState } from "../wire";
import type { ServiceConnection } from "./connection-string";
import {
  CONTINUATION_HEADER,
  enrollmentGroupQueryUrl,
  enrollmentGroupUrl,
  MAX_ITEM_COUNT_HEADER,
  registrationStateQueryUrl,
  registrationStateUrl,
  SELECT_ALL,
} from "./paths";
import { createServiceSasToken } from "./sas";
import {
  readEnrollmentGroup,
  readEnrollmentGroupPage,
  readRegistrationStatePage,
  type EnrollmentGroupView,
} from "./wire";

export type ServiceResult<T> = ({ ok: true; value: T } | { ok: false; failure: DpsFailure }) & {
  /** HTTP requests sent for this call, retries included. */
  attempts: number;
};

export type Page<T> = { items: T[]; continuationToken: string | null };
export type PageRequest = { pageSize?: number; continuationToken?: string | null };

/**
 * The DPS service API for the calls the app makes: the enrollment group, and the group's device
 * registration states (query, get, delete). Like the device client, every outcome is a value;
 * throttling, 5xx and dropped connections are retried per the retry policy (never sooner than
 * Retry-After). Each request goes through `fetch`, so a caller can pace every one of them.
 */
export type DpsServiceClient = {
  getEnrollmentGroup(
    connection: ServiceConnection,
    enrollmentGroupId: string,
    signal?: AbortSignal,
  ): Promise<ServiceResult<EnrollmentGroupView>>;
  queryEnrollmentGroups(
    connection: ServiceConnection,
    page?: PageRequest,
    signal?: AbortSignal,
  ): Promise<ServiceResult<Page<EnrollmentGroupView>>>;
  queryRegistrationStates(
    connection: ServiceConnection,
    enrollmentGroupId: string,
    page?: PageRequest,
    signal?: AbortSignal,
  ): Promise<ServiceResult<Page<WireRegistrationState>>>;
  getRegistrationState(
    connection: ServiceConnection,
    registrationId: string,
    signal?: AbortSignal,
  ): Promise<ServiceResult<WireRegistrationState>>;
  /** `etag` becomes If-Match, so a record changed since it was read is not deleted (HTTP 412). */
  deleteRegistrationState(
    connection: ServiceConnection,
    registrationId: string,
    etag: string | null,
    signal?: AbortSignal,
  ): Promise<ServiceResult<null>>;
};

export type DpsServiceClientOptions = {
  fetch: DpsFetch;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  retryPolicy?: Partial<RetryPolicy>;
  requestTimeoutMs?: number;
  sasTokenLifetimeSeconds?: number;
};

/** Our reading: DPS documents no maximum page size; a smaller page than asked is fine, the token carries on. */
export const DEFAULT_PAGE_SIZE = 1000;

/**
 * A page is read up to this much per item asked for (a registration state is a few hundred bytes; a
 * custom allocation payload can add a few KB), on top of the single-answer bound.
 */
const BYTES_PER_ITEM = 8 * 1024;

function pageSizeOf(page: PageRequest = {}): number {
  return Math.max(1, Math.floor(page.pageSize ?? DEFAULT_PAGE_SIZE));
}

type Interpret<T> = (reply: HttpReply) => { ok: true; value: T } | { ok: false; failure: DpsFailure };

type Request = {
  method: "GET" | "POST" | "DELETE";
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  maxResponseBytes?: number;
};

function malformed(reply: HttpReply, what: string): { ok: false; failure: DpsFailure } {
  return {
    ok: false,
    failure: transientFailure("malformed", `DPS answered HTTP ${reply.status} with ${what}.`, {
      httpStatus: reply.status,
    }),
  };
}

function jsonOf<T>(
  reply: HttpReply,
  read: (value: unknown) => T | null,
  what: string,
): { ok: true; value: T } | { ok: false; failure: DpsFailure } {
  const parsed = parseJson(reply.body);
  const value = parsed.ok ? read(parsed.value) : null;
  return value === null ? malformed(reply, `a body that is not ${what}`) : { ok: true, value };
}

export function createDpsServiceClient(options: DpsServiceClientOptions): DpsServiceClient {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  const retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retryPolicy };
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const lifetime = options.sasTokenLifetimeSeconds ?? 3600;

  async function call<T>(
    connection: ServiceConnection,
    request: Request,
    interpret: Interpret<T>,
    signal: AbortSignal | undefined,
  ): Promise<ServiceResult<T>> {
    // Nothing that could carry the policy key may reach a result: the key, every token and signature sent.
    const secrets = [connection.key];
    const finish = (
      result: { ok: true; value: T } | { ok: false; failure: DpsFailure },
      attempts: number,
    ): ServiceResult<T> =>
      result.ok
        ? { ...result, attempts }
        : {
            ok: false,
            failure: { ...result.failure, message: redact(result.failure.message, secrets) },
            attempts,
          };
    for (let attempt = 1; ; attempt += 1) {
      if (signal?.aborted) return finish({ ok: false, failure: abortedFailure() }, attempt - 1);
      const token = createServiceSasToken(connection, Math.floor(now() / 1000) + lifetime);
      const sig = parseSasToken(token)?.sig;
      secrets.push(token, ...(sig ? [sig, decodeURIComponent(sig)] : []));
      const exchanged = await exchange(
        options.fetch,
        { ...request, sasToken: token },
        { timeoutMs: requestTimeoutMs, signal },
      );
      let result: { ok: true; value: T } | { ok: false; failure: DpsFailure };
      switch (exchanged.type) {
        case "reply":
          result =
            exchanged.reply.status >= 200 && exchanged.reply.status < 300
              ? interpret(exchanged.reply)
              : { ok: false, failure: failureFromReply(exchanged.reply, now()) };
          break;
        case "aborted":
          return finish({ ok: false, failure: abortedFailure() }, attempt);
        case "timeout":
          result = {
            ok: false,
            failure: transientFailure("timeout", `No answer from DPS within ${requestTimeoutMs} ms.`),
          };
          break;
        case "network-error":
          result = { ok: false, failure: failureFromNetworkError(exchanged.error) };
          break;
      }
      if (result.ok) return finish(result, attempt);
      const decision = decideRetry(result.failure, attempt, retryPolicy, random);
      if (!decision.retry) return finish(result, attempt);
      await sleep(decision.delayMs, signal);
    }
  }

  function pageOf<T>(read: (value: unknown) => T[] | null, what: string): Interpret<Page<T>> {
    return (reply) => {
      const items = jsonOf(reply, read, what);
      if (!items.ok) return items;
      const token = reply.headers.get(CONTINUATION_HEADER);
      return { ok: true, value: { items: items.value, continuationToken: token ? token : null } };
    };
  }

  const paging = (page: PageRequest = {}) => ({
    headers: {
      [MAX_ITEM_COUNT_HEADER]: String(pageSizeOf(page)),
      ...(page.continuationToken ? { [CONTINUATION_HEADER]: page.continuationToken } : {}),
    },
    maxResponseBytes: MAX_DPS_RESPONSE_BYTES + pageSizeOf(page) * BYTES_PER_ITEM,
  });

  return {
    getEnrollmentGroup: (connection, enrollmentGroupId, signal) =>
      call(
        connection,
        { method: "GET", url: enrollmentGroupUrl(connection.host, enrollmentGroupId) },
        (reply) => jsonOf(reply, readEnrollmentGroup, "an enrollment group"),
        signal,
      ),
    queryEnrollmentGroups: (connection, page, signal) =>
      call(
        connection,
        { method: "POST", url: enrollmentGroupQueryUrl(connection.host), body: SELECT_ALL, ...paging(page) },
        pageOf(readEnrollmentGroupPage, "a list of enrollment groups"),
        signal,
      ),
    queryRegistrationStates: (connection, enrollmentGroupId, page, signal) =>
      call(
        connection,
        {
          method: "POST",
          url: registrationStateQueryUrl(connection.host, enrollmentGroupId),
          body: SELECT_ALL,
          ...paging(page),
        },
        pageOf(readRegistrationStatePage, "a list of registration states"),
        signal,
      ),
    getRegistrationState: (connection, registrationId, signal) =>
      call(
        connection,
        { method: "GET", url: registrationStateUrl(connection.host, registrationId) },
        (reply) =>
          jsonOf(
            reply,
            (value) => (readRegistrationState(value)?.registrationId ? readRegistrationState(value) : null),
            "a registration state",
          ),
        signal,
      ),
    deleteRegistrationState: (connection, registrationId, etag, signal) =>
      call(
        connection,
        {
          method: "DELETE",
          url: registrationStateUrl(connection.host, registrationId),
          headers: etag ? { "If-Match": etag } : {},
        },
        () => ({ ok: true, value: null }),
        signal,
      ),
  };
}
