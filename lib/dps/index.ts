export { deriveDeviceKey } from "./derive-device-key";
export {
  createSasToken,
  parseSasToken,
  registrationResource,
  verifySasToken,
  REGISTRATION_POLICY,
  type SasCheck,
  type SasFields,
} from "./sas";
export * from "./validation";
export {
  createDpsClient,
  realSleep,
  DEFAULT_OPERATION_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type DpsClient,
  type DpsClientOptions,
  type Sleep,
} from "./client";
export {
  DPS_API_VERSION,
  DPS_USER_AGENT,
  type DpsFetch,
  type DpsFetchInit,
  type DpsFetchResponse,
} from "./http";
export {
  decideRetry,
  pollDelayMs,
  retryAfterMsFromHeaders,
  DEFAULT_RETRY_POLICY,
  type RetryDecision,
  type RetryPolicy,
} from "./retry-policy";
export {
  createPollLimiter,
  DPS_DEVICE_REQUEST_LIMIT,
  type PollLimit,
  type PollLimiter,
} from "./poll-limiter";
export { createDpsFetch } from "./dps-fetch";
export {
  lookupStatusWithGroupKeys,
  registerWithGroupKeys,
  type GroupKeyRequest,
  type GroupKeys,
  type KeyUsed,
  type WithKeyUsed,
} from "./group-keys";
export type * from "./types";
export { REGISTRATION_STATUSES } from "./types";
