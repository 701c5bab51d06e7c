/** Where a DPS instance lives: its ID Scope and its host (`host` or `host:port`, always HTTPS). */
export type DpsConnection = { idScope: string; host: string };

export const REGISTRATION_STATUSES = ["unassigned", "assigning", "assigned", "failed", "disabled"] as const;
export type RegistrationStatus = (typeof REGISTRATION_STATUSES)[number];

/** Known values; kept as a plain string because DPS may add more. */
export type RegistrationSubstatus =
  | "initialAssignment"
  | "deviceDataMigrated"
  | "deviceDataReset"
  | "reprovisionedToInitialAssignment"
  | (string & {});

/** What DPS said, so a person can match an outcome with DPS logs and support tickets. */
export type DpsEvidence = {
  httpStatus: number | null;
  dpsErrorCode: number | null;
  message: string | null;
  trackingId: string | null;
};

/** `attempts` counts every HTTP request the call sent (register + polls + retries). */
export type CallStats = { attempts: number; durationMs: number };

export type TransientCause = "timeout" | "reset" | "http-5xx" | "malformed" | "network";
export type UnreachableCause = "dns" | "tls" | "refused" | "no-route";

type FailureEvidence = DpsEvidence & { message: string };

/** A call that did not reach a DPS verdict on the registration itself. */
export type DpsFailure =
  | (FailureEvidence & { kind: "unauthorized" })
  | (FailureEvidence & { kind: "not-found" })
  | (FailureEvidence & { kind: "bad-request" })
  | (FailureEvidence & { kind: "throttled"; retryAfterMs: number | null })
  | (FailureEvidence & {
      kind: "transient";
      cause: TransientCause;
      retryAfterMs: number | null;
      networkCode: string | null;
    })
  | (FailureEvidence & { kind: "unreachable"; cause: UnreachableCause; networkCode: string | null })
  | (FailureEvidence & { kind: "aborted" });

export type DpsErrorKind = DpsFailure["kind"];

export type RegistrationDetails = {
  registrationId: string | null;
  substatus: RegistrationSubstatus | null;
  etag: string | null;
  createdDateTimeUtc: string | null;
  lastUpdatedDateTimeUtc: string | null;
  /** Returned by a custom-allocation webhook; passed through untouched. */
  payload: unknown;
};

export type AssignedRegistration = DpsEvidence &
  RegistrationDetails & {
    kind: "assigned";
    operationId: string | null;
    assignedHub: string;
    deviceId: string;
  };

export type RefusedRegistration = DpsEvidence & {
  kind: "failed" | "disabled";
  operationId: string | null;
  registrationId: string | null;
  errorCode: number | null;
  errorMessage: string | null;
};

export type RegisteredDevice = DpsEvidence &
  RegistrationDetails & {
    kind: "registered";
    status: RegistrationStatus;
    assignedHub: string | null;
    deviceId: string | null;
    errorCode: number | null;
    errorMessage: string | null;
  };

export type UnregisteredDevice = DpsEvidence & { kind: "not-registered" };

type WithStats<T> = T extends unknown ? T & CallStats : never;

export type DpsError = WithStats<DpsFailure>;
export type RegisterResult = WithStats<AssignedRegistration | RefusedRegistration | DpsFailure>;
export type LookupStatusResult = WithStats<RegisteredDevice | UnregisteredDevice | DpsFailure>;
export type RegisterResultKind = RegisterResult["kind"];
export type LookupStatusResultKind = LookupStatusResult["kind"];

export type JsonObject = { [key: string]: unknown };

export type RegisterRequest = {
  connection: DpsConnection;
  registrationId: string;
  /** The device key already derived from the group key (base64). */
  deviceKey: string;
  /** Forwarded to custom allocation. */
  payload?: JsonObject;
  signal?: AbortSignal;
  /**
   * Once aborted, a failed request is not retried: the failure is returned at once (a retry
   * already waiting wakes up). Polls for an operation DPS accepted go on; `signal` stops everything.
   */
  stopRetrying?: AbortSignal;
};

export type LookupStatusRequest = Omit<RegisterRequest, "payload">;
