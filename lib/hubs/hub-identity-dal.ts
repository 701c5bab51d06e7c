import "server-only";
import { eq } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { devices } from "@/db/schema";
import { requirePermission } from "@/lib/auth/current-user";
import { loggableError } from "@/lib/errors";
import type { HubFailure } from "@/lib/iot-hub/service";
import { logger } from "@/lib/logger";
import { SecretDecryptionError } from "@/lib/secrets/envelope";
import { loadHubConnection } from "./hub-credentials-store";
import type { HubIdentityViewDto } from "./hub-identity-dto";
import { registryClientForHubs } from "./hub-registry";

/** A page waits this long for the hub at most; then it says so. */
export const HUB_IDENTITY_READ_TIMEOUT_MS = 8_000;

const SAVE_AGAIN = "On the Integration tab, under IoT hubs, replace this hub's connection string.";

function explain(failure: HubFailure, hubHost: string): { title: string; detail: string; nextStep: string } {
  switch (failure.kind) {
    case "unauthorized":
    case "forbidden":
      return {
        title: "The hub did not accept the saved connection string",
        detail: failure.message,
        nextStep: `Its key may have been regenerated, or the policy changed. ${SAVE_AGAIN}`,
      };
    case "throttled":
      return {
        title: "The hub is throttling requests",
        detail: failure.message,
        nextStep: "Reload this page in a minute.",
      };
    case "not-allowed-host":
      return {
        title: "This server may not call this hub",
        detail: failure.message,
        nextStep: "Ask the server's administrator to allow the hub (HIC_IOT_HUB_SERVICE_ADDRESSES).",
      };
    case "unreachable":
      return {
        title: `${hubHost} could not be reached`,
        detail: failure.message,
        nextStep:
          "Reload this page later; if it lasts, check the hub in the Azure portal and this server's network.",
      };
    default:
      return {
        title: "The hub's answer could not be used",
        detail: failure.message,
        nextStep: "Reload this page later; if it lasts, check the hub in the Azure portal.",
      };
  }
}

/**
 * The device's identity in its assigned hub, read through the hub's saved connection string.
 * Never throws for the hub's sake: a missing credential, a refusal, an unreachable hub or a
 * missing identity are states the page shows in words.
 */
export async function getHubIdentityForDevice(id: number): Promise<HubIdentityViewDto | null> {
  await requirePermission("devices.view");
  const [device] = await getDb()
    .select({
      registrationId: devices.registrationId,
      assignedHub: devices.assignedHub,
      dpsDeviceId: devices.dpsDeviceId,
    })
    .from(devices)
    .where(eq(devices.id, id));
  if (!device) return null;
  if (!device.assignedHub) return { state: "no-hub" };
  const hubHost = device.assignedHub.toLowerCase();
  let saved;
  try {
    saved = await loadHubConnection(hubHost);
  } catch (error) {
    if (!(error instanceof SecretDecryptionError)) throw error;
    logger.warn({ hub: hubHost, err: loggableError(error) }, "a saved hub key does not decrypt");
    return {
      state: "failed",
      hubHost,
      title: "The saved connection string cannot be read",
      detail: "It was saved under another HIC_SECRET_KEY, or changed in the database.",
      nextStep: SAVE_AGAIN,
    };
  }
  if (!saved) return { state: "no-credentials", hubHost };
  if (saved.rights && !saved.rights.registryRead)
    return {
      state: "failed",
      hubHost,
      title: `The saved policy ${saved.connection.policyName} may not read the identity registry`,
      detail: "Reading an identity needs Registry read.",
      nextStep: `${SAVE_AGAIN} Use a registryRead (or registryReadWrite) policy.`,
    };
  const deviceId = device.dpsDeviceId ?? device.registrationId;
  const result = await registryClientForHubs().getIdentity(
    saved.connection,
    deviceId,
    AbortSignal.timeout(HUB_IDENTITY_READ_TIMEOUT_MS),
  );
  const readAt = new Date().toISOString();
  if (result.ok) {
    const found = result.value;
    const identity = {
      deviceId: found.deviceId,
      status: found.status,
      statusReason: found.statusReason,
      authenticationType: found.authenticationType,
      connectionState: found.connectionState,
      connectionStateUpdatedTime: found.connectionStateUpdatedTime,
      lastActivityTime: found.lastActivityTime,
    };
    return { state: "found", hubHost, identity, readAt };
  }
  if (result.failure.kind === "not-found") return { state: "not-found", hubHost, deviceId, readAt };
  const failure =
    result.failure.message === "The request to the hub was cancelled."
      ? {
          ...result.failure,
          message: `${hubHost} did not answer within ${HUB_IDENTITY_READ_TIMEOUT_MS / 1000} s.`,
        }
      : result.failure;
  return { state: "failed", hubHost, ...explain(failure, hubHost) };
}
