// Over 300 lines on purpose: one DPS call's state machine (register, poll, look up), whose steps
// share the call's deadline, retries and pacing; wire format, retry policy, errors and HTTP are in
// files of their own.
import { sleep } from "@/lib/abortable";
import {
  abortedFailure,
  failureFromNetworkError,
  failureFromReply,
  redact,
  transientFailure,
} from "./errors";
import {
  exchange,
  operationUrl,
  registerUrl,
  statusLookupUrl,
  type DpsFetch,
  type DpsHttpRequest,
  type HttpReply,
} from "./http";
import {
  createPollLimiter,
  DPS_DEVICE_REQUEST_LIMIT,
  type PollLimit,
  type PollLimiter,
} from "./poll-limiter";
import {
  decideRetry,
  DEFAULT_RETRY_POLICY,
  pollDelayMs,
  retryAfterMsFromHeaders,
  type RetryPolicy,
} from "./retry-policy";
import { createSasToken, parseSasToken } from "./sas";
import type {
  AssignedRegistration,
  CallStats,
  DpsConnection,
  DpsFailure,
  LookupStatusRequest,
  LookupStatusResult,
  RefusedRegistration,
  RegisteredDevice,
  RegisterRequest,
  RegisterResult,
  UnregisteredDevice,
} from "./types";
import { validateDpsHost, validateIdScope, validateRegistrationId } from "./validation";
import { parseJson, readOperationStatus, readRegistrationState, type WireOperationStatus } from "./wire";

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export type DpsClientOptions = {
  /** Defaults to the global fetch, which honours NODE_EXTRA_CA_CERTS for private CAs. */
  fetch?: DpsFetch;
  now?: () => number;
  sleep?: Sleep;
  random?: () => number;
  retryPolicy?: Partial<RetryPolicy>;
  /** Per HTTP request, wall clock. */
  requestTimeoutMs?: number;
  /** Whole register or lookup call, measured on `now`. */
  operationTimeoutMs?: number;
  pollLimit?: PollLimit;
  sasTokenLifetimeSeconds?: number;
  /** How often a PUT answered "assigning" without an operation id is sent again. */
  maxRegisterResends?: number;
};

/**
 * Every DPS outcome, including network faults and caller aborts, is a returned value. Only input that
 * fails `lib/dps/validation` throws (a TypeError), since that is a bug in the caller.
 */
export type DpsClient = {
  register(request: RegisterRequest): Promise<RegisterResult>;
  lookupStatus(request: LookupStatusRequest): Promise<LookupStatusResult>;
};

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_OPERATION_TIMEOUT_MS = 5 * 60_000;

/** Resolves early, without throwing, when the signal aborts: callers check the signal afterwards. */
export const realSleep: Sleep = sleep;

type Settings = {
  fetch: DpsFetch;
  now: () => number;
  sleep: Sleep;
  random: () => number;
  retryPolicy: RetryPolicy;
  requestTimeoutMs: number;
  operationTimeoutMs: number;
  sasTokenLifetimeSeconds: number;
  maxRegisterResends: number;
  limiter: PollLimiter;
};

/** The state of one register or lookup call. */
type Call = {
  settings: Settings;
  connection: DpsConnection;
  registrationId: string;
  deviceKey: string;
  signal: AbortSignal | undefined;
  stopRetrying: AbortSignal | undefined;
  startedAt: number;
  deadline: number;
  attempts: number;
  /** Everything that must never appear in a result: the key and every token sent. */
  secrets: string[];
};

type Step<T> = { done: true; value: T } | { done: false; failure: DpsFailure };

type WithoutStats<T> = T extends unknown ? Omit<T, keyof CallStats> : never;

function finish<T extends WithoutStats<RegisterResult> | WithoutStats<LookupStatusResult>>(
  call: Call,
  outcome: T,
): T & CallStats {
  const clean = (text: string | null) => (text === null ? null : redact(text, call.secrets));
  const texts =
    "errorMessage" in outcome
      ? { message: clean(outcome.message), errorMessage: clean(outcome.errorMessage) }
      : { message: clean(outcome.message) };
  const stats: CallStats = { attempts: call.attempts, durationMs: call.settings.now() - call.startedAt };
  return Object.assign({}, outcome, texts, stats);
}

function checkedInput(connection: DpsConnection, registrationId: string, deviceKey: string) {
  const idScope = validateIdScope(connection.idScope);
  const host = validateDpsHost(connection.host);
  const id = validateRegistrationId(registrationId);
  // Invalid input is a programming error in the caller (forms validate first), not a DPS outcome.
  if (!idScope.ok) throw new TypeError(idScope.message);
  if (!host.ok) throw new TypeError(host.message);
  if (!id.ok) throw new TypeError(id.message);
  if (deviceKey.trim() === "") throw new TypeError("A device key is required.");
  return { connection: { idScope: idScope.value, host: host.value }, registrationId: id.value };
}

function sasTokenFor(call: Call): string {
  const expiry = Math.floor(call.settings.now() / 1000) + call.settings.sasTokenLifetimeSeconds;
  const token = createSasToken(call.connection.idScope, call.registrationId, call.deviceKey, expiry);
  const sig = parseSasToken(token)?.sig;
  call.secrets.push(token, ...(sig ? [sig, decodeURIComponent(sig)] : []));
  return token;
}

function deadlineFailure(call: Call, waitingFor: string): DpsFailure {
  return transientFailure(
    "timeout",
    `Gave up after ${call.settings.operationTimeoutMs} ms waiting for ${waitingFor}.`,
  );
}

/** Sleeps unless the wait would pass the deadline; false means "stop now" (deadline or abort). `alsoWakeOn` ends the sleep early too. */
async function pause(call: Call, ms: number, alsoWakeOn?: AbortSignal): Promise<boolean> {
  if (ms <= 0) return !call.signal?.aborted;
  // Waking up exactly at the deadline would leave no time for the request.
  if (call.settings.now() + ms >= call.deadline) return false;
  const wake =
    alsoWakeOn && call.signal ? AbortSignal.any([call.signal, alsoWakeOn]) : (alsoWakeOn ?? call.signal);
  try {
    await call.settings.sleep(ms, wake);
  } catch {
    // An injected sleep may reject on abort; the signal check below tells the two apart.
  }
  return !call.signal?.aborted;
}

function limiterKey(call: Call): string {
  return `${call.connection.host}/${call.connection.idScope}/${call.registrationId}`.toLowerCase();
}

/**
 * Sends one request, retrying per the retry policy, until `interpret` accepts a reply or the failure
 * is final. `throttle` routes every request through the per-device window.
 */
async function send<T>(
  call: Call,
  request: Omit<DpsHttpRequest, "sasToken">,
  interpret: (reply: HttpReply) => Step<T>,
  throttle: boolean,
): Promise<Step<T>> {
  const { settings } = call;
  let lastFailure: DpsFailure | null = null;
  for (let attempt = 1; ; attempt += 1) {
    if (call.signal?.aborted) return { done: false, failure: abortedFailure() };
    if (throttle) {
      const wait = settings.limiter.reserve(limiterKey(call), settings.now());
      if (!(await pause(call, wait))) return stopped(call, lastFailure, "a free polling slot");
    }
    const remaining = call.deadline - settings.now();
    if (remaining <= 0) return stopped(call, lastFailure, "DPS to answer");
    call.attempts += 1;
    const timeoutMs = Math.min(settings.requestTimeoutMs, remaining);
    const result = await exchange(
      settings.fetch,
      { ...request, sasToken: sasTokenFor(call) },
      { timeoutMs, signal: call.signal },
    );
    let step: Step<T>;
    switch (result.type) {
      case "reply":
        step = interpret(result.reply);
        break;
      case "aborted":
        return { done: false, failure: abortedFailure() };
      case "timeout":
        step = {
          done: false,
          failure: transientFailure("timeout", `No answer from DPS within ${timeoutMs} ms.`),
        };
        break;
      case "network-error":
        step = { done: false, failure: failureFromNetworkError(result.error) };
        break;
    }
    if (step.done) return step;
    lastFailure = step.failure;
    const decision = decideRetry(step.failure, attempt, settings.retryPolicy, settings.random);
    if (!decision.retry || call.stopRetrying?.aborted) return step;
    if (!(await pause(call, decision.delayMs, call.stopRetrying)))
      return stopped(call, lastFailure, "DPS to answer");
    if (call.stopRetrying?.aborted) return step;
  }
}

function stopped<T>(call: Call, lastFailure: DpsFailure | null, waitingFor: string): Step<T> {
  if (call.signal?.aborted) return { done: false, failure: abortedFailure() };
  return { done: false, failure: lastFailure ?? deadlineFailure(call, waitingFor) };
}

function malformed(reply: HttpReply, what: string): { done: false; failure: DpsFailure } {
  return {
    done: false,
    failure: transientFailure("malformed", `DPS answered HTTP ${reply.status} with ${what}.`, {
      httpStatus: reply.status,
    }),
  };
}

type PendingOperation = { operation: WireOperationStatus; httpStatus: number; retryAfterMs: number | null };

function interpretOperation(call: Call) {
  return (reply: HttpReply): Step<PendingOperation> => {
    if (reply.status < 200 || reply.status > 299) {
      return { done: false, failure: failureFromReply(reply, call.settings.now()) };
    }
    const json = parseJson(reply.body);
    if (!json.ok) return malformed(reply, "a body that is not JSON");
    const operation = readOperationStatus(json.value);
    if (!operation) return malformed(reply, "no known registration status");
    if (operation.status === "assigned") {
      const state = operation.registrationState;
      if (!state?.assignedHub || !state.deviceId)
        return malformed(reply, "an assignment without a hub or device id");
    }
    return {
      done: true,
      value: {
        operation,
        httpStatus: reply.status,
        retryAfterMs: retryAfterMsFromHeaders(reply.headers, call.settings.now()),
      },
    };
  };
}

function verdict(call: Call, { operation, httpStatus }: PendingOperation) {
  const state = operation.registrationState;
  if (operation.status === "assigned" && state?.assignedHub && state.deviceId) {
    const assigned: AssignedRegistration = {
      kind: "assigned",
      operationId: operation.operationId,
      registrationId: state.registrationId ?? call.registrationId,
      assignedHub: state.assignedHub,
      deviceId: state.deviceId,
      substatus: state.substatus,
      etag: state.etag,
      createdDateTimeUtc: state.createdDateTimeUtc,
      lastUpdatedDateTimeUtc: state.lastUpdatedDateTimeUtc,
      payload: state.payload,
      httpStatus,
      dpsErrorCode: null,
      message: null,
      trackingId: null,
    };
    return finish(call, assigned);
  }
  if (operation.status === "failed" || operation.status === "disabled") {
    const refused: RefusedRegistration = {
      kind: operation.status,
      operationId: operation.operationId,
      registrationId: state?.registrationId ?? call.registrationId,
      errorCode: state?.errorCode ?? null,
      errorMessage: state?.errorMessage ?? null,
      httpStatus,
      dpsErrorCode: state?.errorCode ?? null,
      message: state?.errorMessage ?? null,
      trackingId: null,
    };
    return finish(call, refused);
  }
  return null;
}

function startCall(
  settings: Settings,
  input: {
    connection: DpsConnection;
    registrationId: string;
    deviceKey: string;
    signal?: AbortSignal | undefined;
    stopRetrying?: AbortSignal | undefined;
  },
): Call {
  const { connection, registrationId } = checkedInput(
    input.connection,
    input.registrationId,
    input.deviceKey,
  );
  const startedAt = settings.now();
  return {
    settings,
    connection,
    registrationId,
    deviceKey: input.deviceKey,
    signal: input.signal,
    stopRetrying: input.stopRetrying,
    startedAt,
    deadline: startedAt + settings.operationTimeoutMs,
    attempts: 0,
    secrets: [input.deviceKey],
  };
}

/**
 * PUT register, then poll the operation until DPS reaches a verdict. "assigning" and "unassigned"
 * both mean "not decided yet" (the C# SDK polls on both).
 */
async function register(settings: Settings, request: RegisterRequest): Promise<RegisterResult> {
  const call = startCall(settings, request);
  const interpret = interpretOperation(call);
  const registerRequest = {
    method: "PUT" as const,
    url: registerUrl(call.connection, call.registrationId),
    body: {
      registrationId: call.registrationId,
      ...(request.payload === undefined ? {} : { payload: request.payload }),
    },
  };
  let resends = 0;
  let step = await send(call, registerRequest, interpret, true);
  for (;;) {
    if (!step.done) return finish(call, step.failure);
    const result = verdict(call, step.value);
    if (result) return result;
    const { operation, retryAfterMs } = step.value;
    const operationId = operation.operationId;
    if (operationId === null && resends >= settings.maxRegisterResends) {
      return finish(
        call,
        transientFailure(
          "malformed",
          `DPS answered "${operation.status}" without an operation id ${resends + 1} times.`,
          {
            httpStatus: step.value.httpStatus,
          },
        ),
      );
    }
    if (!(await pause(call, pollDelayMs(retryAfterMs)))) {
      return finish(
        call,
        call.signal?.aborted
          ? abortedFailure()
          : deadlineFailure(call, `operation ${operationId ?? "(none)"} to finish`),
      );
    }
    if (operationId === null) {
      resends += 1;
      step = await send(call, registerRequest, interpret, true);
    } else {
      const poll = {
        method: "GET" as const,
        url: operationUrl(call.connection, call.registrationId, operationId),
      };
      step = await send(call, poll, interpret, true);
    }
  }
}

function interpretLookup(call: Call) {
  return (reply: HttpReply): Step<RegisteredDevice | UnregisteredDevice> => {
    if (reply.status === 404) {
      const failure = failureFromReply(reply, call.settings.now());
      const { httpStatus, dpsErrorCode, message, trackingId } = failure;
      return { done: true, value: { kind: "not-registered", httpStatus, dpsErrorCode, message, trackingId } };
    }
    if (reply.status < 200 || reply.status > 299) {
      return { done: false, failure: failureFromReply(reply, call.settings.now()) };
    }
    const json = parseJson(reply.body);
    if (!json.ok) return malformed(reply, "a body that is not JSON");
    const state = readRegistrationState(json.value);
    if (!state?.status) return malformed(reply, "no known registration status");
    return {
      done: true,
      value: {
        kind: "registered",
        ...state,
        status: state.status,
        registrationId: state.registrationId ?? call.registrationId,
        httpStatus: reply.status,
        dpsErrorCode: state.errorCode,
        message: state.errorMessage,
        trackingId: null,
      },
    };
  };
}

/** The side-effect-free status lookup: 200 is the device's registration state, 404 "never registered". */
async function lookupStatus(settings: Settings, request: LookupStatusRequest): Promise<LookupStatusResult> {
  const call = startCall(settings, request);
  const lookup = {
    method: "POST" as const,
    url: statusLookupUrl(call.connection, call.registrationId),
    body: { registrationId: call.registrationId },
  };
  const step = await send(call, lookup, interpretLookup(call), false);
  return finish(call, step.done ? step.value : step.failure);
}

export function createDpsClient(options: DpsClientOptions = {}): DpsClient {
  const settings: Settings = {
    fetch: options.fetch ?? ((url, init) => fetch(url, init)),
    now: options.now ?? Date.now,
    sleep: options.sleep ?? realSleep,
    random: options.random ?? Math.random,
    retryPolicy: { ...DEFAULT_RETRY_POLICY, ...options.retryPolicy },
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    operationTimeoutMs: options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS,
    sasTokenLifetimeSeconds: options.sasTokenLifetimeSeconds ?? 3600,
    maxRegisterResends: options.maxRegisterResends ?? 3,
    limiter: createPollLimiter(options.pollLimit ?? DPS_DEVICE_REQUEST_LIMIT),
  };
  return {
    register: (request) => register(settings, request),
    lookupStatus: (request) => lookupStatus(settings, request),
  };
}
