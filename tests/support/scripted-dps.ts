import { createDpsClient, type DpsClientOptions } from "../../lib/dps/client";
import type { DpsFetch, DpsFetchInit } from "../../lib/dps/http";

/**
 * A scripted DPS for client tests: a fake fetch, a fake clock that only moves when the client sleeps,
 * and a record of every request and pause. Nothing here sleeps for real.
 */

export type RecordedRequest = {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  at: number;
  signal: AbortSignal | undefined;
};

export type ScriptedReply =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | { throws: unknown }
  | { hang: true }
  | { neverSettles: true };

export const jsonReply = (
  status: number,
  body?: unknown,
  headers?: Record<string, string>,
): ScriptedReply => ({
  status,
  body,
  ...(headers ? { headers } : {}),
});

/** What undici throws for a socket-level failure: `TypeError("fetch failed")` with the system error as cause. */
export function networkError(code: string, message = `${code} from the fake network`): { throws: unknown } {
  return { throws: new TypeError("fetch failed", { cause: Object.assign(new Error(message), { code }) }) };
}

/** A request that only ends when its signal aborts, like a real fetch to a silent server. */
export const hang: ScriptedReply = { hang: true };
/** A fetch that ignores its signal altogether. */
export const neverSettles: ScriptedReply = { neverSettles: true };

export const assigning = (operationId = "4.abc.op-1", retryAfterSeconds?: number) =>
  jsonReply(
    202,
    { operationId, status: "assigning" },
    retryAfterSeconds === undefined ? undefined : { "Retry-After": String(retryAfterSeconds) },
  );

export const assigned = (registrationId = "device-001", extra: Record<string, unknown> = {}) =>
  jsonReply(200, {
    operationId: "4.abc.op-1",
    status: "assigned",
    registrationState: {
      registrationId,
      createdDateTimeUtc: "2024-05-01T10:00:00.1234567Z",
      assignedHub: "hub-a.azure-devices.net",
      deviceId: registrationId,
      status: "assigned",
      substatus: "initialAssignment",
      lastUpdatedDateTimeUtc: "2024-05-01T10:00:01.7654321Z",
      etag: "IjY5MDAzNTUyLTAwMDAtMDMwMC0wMDAwLTYzMGZkYThhMDAwMCI=",
      ...extra,
    },
  });

export const dpsError = (
  status: number,
  errorCode: number,
  message: string,
  headers?: Record<string, string>,
) =>
  jsonReply(
    status,
    { errorCode, trackingId: `track-${errorCode}`, message, timestampUtc: "2024-05-01T10:00:00Z" },
    headers,
  );

export const START_TIME = Date.UTC(2024, 4, 1, 10, 0, 0);

export function createScriptedDps(
  script: ScriptedReply[] | ((request: RecordedRequest, index: number) => ScriptedReply),
  options: Omit<DpsClientOptions, "fetch" | "now" | "sleep"> & { sleep?: DpsClientOptions["sleep"] } = {},
) {
  let clock = START_TIME;
  const requests: RecordedRequest[] = [];
  const sleeps: number[] = [];
  const sleepSignals: (AbortSignal | undefined)[] = [];
  const queue = Array.isArray(script) ? [...script] : null;

  const fetch: DpsFetch = async (url: string, init: DpsFetchInit) => {
    const request: RecordedRequest = {
      method: init.method ?? "GET",
      url,
      headers: init.headers ?? {},
      body: init.body === undefined ? undefined : JSON.parse(init.body),
      at: clock,
      signal: init.signal,
    };
    const index = requests.push(request) - 1;
    const reply = queue
      ? queue.shift()
      : (script as (r: RecordedRequest, i: number) => ScriptedReply)(request, index);
    if (!reply)
      throw new Error(`The script has no reply for request ${index + 1} (${request.method} ${url}).`);
    if ("throws" in reply) throw reply.throws;
    if ("neverSettles" in reply) return new Promise(() => undefined);
    if ("hang" in reply) {
      return new Promise((_, reject) =>
        init.signal?.addEventListener("abort", () => reject(init.signal?.reason)),
      );
    }
    const headers = new Headers({ "Content-Type": "application/json; charset=utf-8", ...reply.headers });
    const body =
      reply.body === undefined
        ? ""
        : typeof reply.body === "string"
          ? reply.body
          : JSON.stringify(reply.body);
    return { status: reply.status, headers, text: async () => body };
  };

  /**
   * Virtual time: a sleep parks its caller until every other pending promise has settled, then the
   * clock jumps to the earliest wake-up. Concurrent calls therefore see one consistent timeline.
   */
  const timers: { at: number; wake: () => void }[] = [];
  let advancing = false;
  function advanceWhenIdle() {
    if (advancing) return;
    advancing = true;
    setImmediate(() => {
      advancing = false;
      timers.sort((a, b) => a.at - b.at);
      const next = timers.shift();
      if (!next) return;
      clock = Math.max(clock, next.at);
      next.wake();
      if (timers.length > 0) advanceWhenIdle();
    });
  }
  const virtualSleep = (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve) => {
      sleeps.push(ms);
      sleepSignals.push(signal);
      const onAbort = () => {
        const index = timers.indexOf(timer);
        if (index >= 0) timers.splice(index, 1);
        resolve();
      };
      const timer = {
        at: clock + ms,
        wake: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      timers.push(timer);
      advanceWhenIdle();
    });

  const client = createDpsClient({
    random: () => 0.5,
    ...options,
    fetch,
    now: () => clock,
    sleep: options.sleep ?? virtualSleep,
  });

  return {
    client,
    requests,
    sleeps,
    sleepSignals,
    now: () => clock,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

/** The most requests seen in any half-open window `(t - windowMs, t]`. */
export function busiestWindow(times: number[], windowMs = 10_000): number {
  return Math.max(0, ...times.map((end) => times.filter((t) => t > end - windowMs && t <= end).length));
}
