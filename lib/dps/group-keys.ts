import type { DpsClient } from "./client";
import { deriveDeviceKey } from "./derive-device-key";
import type { DpsConnection, JsonObject, LookupStatusResult, RegisterResult } from "./types";

export type GroupKeys = { primary: string; secondary?: string | undefined };
export type KeyUsed = "primary" | "secondary";
export type WithKeyUsed<T> = T extends unknown ? T & { keyUsed: KeyUsed } : never;

export type GroupKeyRequest = {
  connection: DpsConnection;
  registrationId: string;
  groupKeys: GroupKeys;
  signal?: AbortSignal;
  /** See RegisterRequest.stopRetrying. */
  stopRetrying?: AbortSignal;
};

/**
 * Tries the primary group key and, only when DPS rejects it as unauthorized, the secondary: during a
 * key rotation one of the two is always valid. The result says which key worked, never the key.
 */
async function withGroupKeys<T extends RegisterResult | LookupStatusResult>(
  request: GroupKeyRequest,
  attempt: (deviceKey: string) => Promise<T>,
): Promise<WithKeyUsed<T>> {
  const first = await attempt(deriveDeviceKey(request.groupKeys.primary, request.registrationId));
  const secondary = request.groupKeys.secondary?.trim();
  if (first.kind !== "unauthorized" || !secondary || secondary === request.groupKeys.primary.trim()) {
    return { ...first, keyUsed: "primary" } as WithKeyUsed<T>;
  }
  const second = await attempt(deriveDeviceKey(secondary, request.registrationId));
  return {
    ...second,
    attempts: first.attempts + second.attempts,
    durationMs: first.durationMs + second.durationMs,
    keyUsed: "secondary",
  } as WithKeyUsed<T>;
}

export function registerWithGroupKeys(
  client: DpsClient,
  request: GroupKeyRequest & { payload?: JsonObject },
): Promise<WithKeyUsed<RegisterResult>> {
  const { connection, registrationId, payload, signal, stopRetrying } = request;
  return withGroupKeys(request, (deviceKey) =>
    client.register({ connection, registrationId, deviceKey, payload, signal, stopRetrying }),
  );
}

/** What "Test connection" uses: 200 or 404 means DPS accepted the credentials, 401 that it refused them. */
export function lookupStatusWithGroupKeys(
  client: DpsClient,
  request: GroupKeyRequest,
): Promise<WithKeyUsed<LookupStatusResult>> {
  const { connection, registrationId, signal } = request;
  return withGroupKeys(request, (deviceKey) =>
    client.lookupStatus({ connection, registrationId, deviceKey, signal }),
  );
}
