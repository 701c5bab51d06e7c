import { randomBytes, randomUUID } from "node:crypto";

/** The REST API version the emulator speaks (and the one the official SDKs of this repo send). */
export const HUB_API_VERSION = "2021-04-12";

/** Azure prints "never" as .NET's DateTime.MinValue. */
export const NEVER = "0001-01-01T00:00:00Z";

export function isoNow(now: number): string {
  return new Date(now).toISOString();
}

/** An identity's etag: base64 of a number, quoted in the ETag header, as IoT Hub shows them. */
export function newIdentityEtag(): string {
  return Buffer.from(String(randomBytes(4).readUInt32BE(0)), "utf8").toString("base64");
}

/** A twin's etag: base64 of its 8-byte version, the shape IoT Hub uses ("AAAAAAAAAAE="). */
export function twinEtag(version: number): string {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(version));
  return bytes.toString("base64");
}

/** Distinguishes an identity from an earlier one with the same ID (deleted and re-created). */
export function newGenerationId(): string {
  return `63${String(Date.now()).padStart(13, "0")}${String(randomBytes(2).readUInt16BE(0) % 1000).padStart(3, "0")}`;
}

/** IoT Hub's error codes the emulator answers with (numeric code, name, HTTP status). */
export const HubErrors = {
  argumentInvalid: { code: 400004, name: "ArgumentInvalid", status: 400 },
  unauthorized: { code: 401002, name: "IotHubUnauthorizedAccess", status: 401 },
  tokenInvalid: { code: 401003, name: "IotHubUnauthorized", status: 401 },
  deviceNotFound: { code: 404001, name: "DeviceNotFound", status: 404 },
  hubNotFound: { code: 404000, name: "IotHubNotFound", status: 404 },
  deviceNotOnline: { code: 404103, name: "DeviceNotOnline", status: 404 },
  deviceAlreadyExists: { code: 409001, name: "DeviceAlreadyExists", status: 409 },
  preconditionFailed: { code: 412002, name: "PreconditionFailed", status: 412 },
  throttled: { code: 429001, name: "ThrottlingException", status: 429 },
  serverError: { code: 500001, name: "ServerError", status: 500 },
  hubUnavailable: { code: 503001, name: "ServiceUnavailable", status: 503 },
  gatewayTimeout: { code: 504101, name: "GatewayTimeout", status: 504 },
} as const;

export type HubError = (typeof HubErrors)[keyof typeof HubErrors];

/**
 * The body IoT Hub answers errors with: the SDKs split `Message` at `;` and read the code after
 * `ErrorCode:` (e.g. DeviceNotFound), so that exact layout matters.
 */
export function hubErrorBody(error: HubError, message: string, now: number): string {
  return JSON.stringify({
    Message: `ErrorCode:${error.name};${message}`,
    ExceptionMessage: `Tracking ID:${randomUUID().replace(/-/g, "")}-G:0-TimeStamp:${new Date(now).toISOString()}`,
  });
}
