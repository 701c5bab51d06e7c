import { randomBytes, randomUUID } from "node:crypto";

/** DPS prints timestamps with 7 fractional digits (.NET ticks); clients that parse them strictly expect that. */
export function timestampUtc(epochMs: number = performance.timeOrigin + performance.now()): string {
  const wholeMs = Math.floor(epochMs);
  const ticks = Math.floor((epochMs - wholeMs) * 10_000);
  return `${new Date(wholeMs).toISOString().slice(0, 23)}${String(ticks).padStart(4, "0")}Z`;
}

/** Base64 of a quoted Cosmos-style etag, the shape real registration records carry. */
export function newEtag(epochMs: number = Date.now()): string {
  const seconds = Math.floor(epochMs / 1000)
    .toString(16)
    .padStart(8, "0");
  // randomUUID draws from a cached entropy pool; randomBytes would make a system call per assignment.
  const etag = `"${randomUUID().slice(0, 8)}-0000-0300-0000-${seconds}0000"`;
  return Buffer.from(etag, "utf8").toString("base64");
}

/** `<digit>.<16 hex>.<uuid>` like DPS; clients must treat it as opaque, and the tag tells emulator runs apart. */
export function newOperationId(instanceTag: string): string {
  return `5.${instanceTag}.${randomUUID()}`;
}

export function newInstanceTag(): string {
  return randomBytes(8).toString("hex");
}

export type DpsErrorBody = { errorCode: number; trackingId: string; message: string; timestampUtc: string };

export function errorBody(
  errorCode: number,
  message: string,
  trackingId: string = randomUUID(),
): DpsErrorBody {
  return { errorCode, trackingId, message, timestampUtc: timestampUtc() };
}

/** docs/dps-protocol.md §2.3: letters, digits and `- . _ :`, at most 128, ending in a letter, digit or `-`. */
const REGISTRATION_ID = /^[A-Za-z0-9](?:[A-Za-z0-9\-._:]{0,126}[A-Za-z0-9-])?$/;

export function isValidRegistrationId(registrationId: string): boolean {
  return REGISTRATION_ID.test(registrationId);
}

/** The error codes the emulator answers with; the 6-digit DPS convention is HTTP status followed by a detail. */
export const ErrorCodes = {
  badRequest: 400000,
  apiVersionMissing: 400001,
  invalidRegistration: 400004,
  customAllocationFailed: 400207,
  unauthorized: 401002,
  adminForbidden: 403001,
  routeNotFound: 404001,
  registrationNotFound: 404201,
  operationNotFound: 404202,
  enrollmentGroupNotFound: 404204,
  preconditionFailed: 412002,
  bodyTooLarge: 413001,
  throttled: 429001,
  internalError: 500000,
  serviceUnavailable: 503000,
} as const;
