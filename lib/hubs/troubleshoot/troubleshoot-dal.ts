import "server-only";
// Raw SQL: the lock (a per-user advisory lock while the user's recent runs are counted, so two tabs cannot both pass the limit).
import { createHash } from "node:crypto";
import packageInfo from "@/package.json";
import { getDb } from "@/lib/database";
import { withTransaction } from "@/db/transaction";
import { requirePermission } from "@/lib/auth/current-user";
import type { CurrentUser } from "@/lib/auth/current-user";
import { UserFacingError } from "@/lib/errors";
import { deriveDeviceKey } from "@/lib/dps/derive-device-key";
import { loadDpsCredentials, loadDpsServiceCredentials } from "@/lib/integrations/azure-dps/credentials";
import { dpsServiceClient, probeHubAsDevice } from "@/lib/provisioning";
import { hubRegistryClient } from "@/lib/iot-hub/service";
import { loadHubConnection } from "@/lib/hubs/hub-credentials-store";
import { diagnose, type IdentityFacts, type LiveFacts, type RecordFacts } from "./diagnose";
import { diagnosticBundleJson, redactSecrets } from "./diagnostic-bundle";
import type { TroubleshootReportDto } from "./troubleshoot-report-dto";

/**
 * "Why can't this device connect?": for support and up (devices.view), since it changes nothing in
 * the platform: the DPS record and the hub identity are read, the key is derived only to be
 * fingerprinted, and the live check connects as the device without recording a hub status. Each run
 * is audited, and a user may run it `TROUBLESHOOT_PER_MINUTE` times a minute (it costs a DPS call, a
 * hub call and a device connection).
 */

export const TROUBLESHOOT_PER_MINUTE = 6;

/** The user's runs for this minute are used up (a 429 for the bundle's route). */
export class TroubleshootLimitError extends UserFacingError {
  constructor() {
    super(`You asked ${TROUBLESHOOT_PER_MINUTE} times in the last minute: wait a minute, then ask again.`);
  }
}

/** First 8 hex digits of SHA-256 of the base64 key text, as `printf %s KEY | sha256sum` shows it. */
export function keyFingerprint(deviceKey: string): string {
  return createHash("sha256").update(deviceKey, "utf8").digest("hex").slice(0, 8);
}

/**
 * Takes one of the user's runs this minute (and records it in the audit log), under a per-user lock
 * so a burst of parallel requests cannot outrun the count.
 */
async function takeSlot(
  actor: CurrentUser,
  registrationId: string,
  deviceId: number,
  kind: string,
): Promise<void> {
  const allowed = await withTransaction(getDb().$client, async (client) => {
    await client.query(`select pg_advisory_xact_lock(hashtext('troubleshoot:' || $1))`, [actor.id]);
    const { rows } = await client.query<{ n: number }>(
      `select count(*)::int as n from audit_log
       where action = 'device.troubleshoot' and actor_id = $1 and at > now() - interval '1 minute'`,
      [actor.id],
    );
    if ((rows[0]?.n ?? 0) >= TROUBLESHOOT_PER_MINUTE) return false;
    await client.query(
      `insert into audit_log (actor_id, actor_email, action, target, outcome, detail)
       values ($1, $2, 'device.troubleshoot', $3, 'success', $4)`,
      [actor.id, actor.email, registrationId, JSON.stringify({ deviceId, what: kind })],
    );
    return true;
  });
  if (!allowed) throw new TroubleshootLimitError();
}

type Gathered = { report: TroubleshootReportDto; secrets: string[] };

async function gather(deviceId: number): Promise<Gathered | null> {
  const db = getDb().$client;
  const { rows } = await db.query<{
    registration_id: string;
    status: string;
    assigned_hub: string | null;
    dps_device_id: string | null;
    last_error_message: string | null;
  }>(
    `select registration_id, status::text as status, assigned_hub, dps_device_id, last_error_message from devices where id = $1`,
    [deviceId],
  );
  const row = rows[0];
  if (!row) return null;
  const device = {
    registrationId: row.registration_id,
    status: row.status,
    assignedHub: row.status === "assigned" ? row.assigned_hub : null,
    deviceId: row.dps_device_id,
    lastErrorMessage: row.last_error_message,
  };
  const secrets: string[] = [];
  const assigned = device.assignedHub !== null;
  const hubDeviceId = device.deviceId ?? device.registrationId;

  const [dps, service] = await Promise.all([
    loadDpsCredentials().catch(() => null),
    loadDpsServiceCredentials().catch(() => null),
  ]);
  let keyFingerprints: TroubleshootReportDto["keyFingerprints"] = null;
  if (dps) {
    const primary = deriveDeviceKey(dps.primaryKey, device.registrationId);
    const secondary = dps.secondaryKey ? deriveDeviceKey(dps.secondaryKey, device.registrationId) : null;
    secrets.push(
      dps.primaryKey,
      primary,
      ...(dps.secondaryKey && secondary ? [dps.secondaryKey, secondary] : []),
    );
    keyFingerprints = {
      primary: keyFingerprint(primary),
      secondary: secondary ? keyFingerprint(secondary) : null,
    };
  }

  const recordLookup = async (): Promise<RecordFacts> => {
    if (!service)
      return {
        kind: "skipped",
        reason:
          "No DPS service connection string is saved (Azure DPS → Edit → Advanced), so DPS's record was not read.",
      };
    secrets.push(service.connection.key);
    if (service.rights?.registrationStatusRead === false)
      return { kind: "skipped", reason: "The saved DPS policy may not read registration records." };
    const result = await dpsServiceClient().getRegistrationState(service.connection, device.registrationId);
    if (result.ok)
      return {
        kind: "found",
        status: result.value.status ?? "unassigned",
        assignedHub: result.value.assignedHub ?? null,
        deviceId: result.value.deviceId ?? null,
        errorMessage: result.value.errorMessage ?? null,
      };
    if (result.failure.kind === "not-found") return { kind: "not-found" };
    return {
      kind: "error",
      message: `DPS answered ${result.failure.kind}${result.failure.httpStatus ? ` (${result.failure.httpStatus})` : ""}.`,
    };
  };

  const identityLookup = async (): Promise<IdentityFacts> => {
    if (!assigned) return { kind: "skipped", reason: "The device has no hub yet." };
    let saved;
    try {
      saved = await loadHubConnection(device.assignedHub!);
    } catch {
      return {
        kind: "error",
        failureKind: "credentials",
        message: "The saved hub credentials cannot be decrypted: save them again.",
      };
    }
    if (!saved)
      return {
        kind: "skipped",
        reason: `No credentials are saved for ${device.assignedHub} (Integration → IoT hubs), so its identity was not read.`,
      };
    secrets.push(saved.connection.key);
    const result = await hubRegistryClient().getIdentity(saved.connection, hubDeviceId);
    if (result.ok)
      return {
        kind: "found",
        status: result.value.status,
        statusReason: result.value.statusReason,
        authenticationType: result.value.authenticationType,
        connectionState: result.value.connectionState,
        lastActivityTime: result.value.lastActivityTime,
      };
    if (result.failure.kind === "not-found") return { kind: "not-found" };
    return {
      kind: "error",
      failureKind: result.failure.kind,
      message: `${device.assignedHub} answered ${result.failure.kind}${result.failure.status ? ` (${result.failure.status})` : ""}.`,
    };
  };

  const liveCheck = async (): Promise<LiveFacts> => {
    if (!assigned) return { kind: "skipped", reason: "The device has no hub to connect to." };
    if (!dps)
      return { kind: "skipped", reason: "Without Azure DPS connected, the device's key is not known." };
    const outcome = await probeHubAsDevice(deviceId);
    if (outcome.kind === "missing") return { kind: "skipped", reason: "The device was removed meanwhile." };
    if (outcome.kind === "not-assigned")
      return { kind: "skipped", reason: "The device has no hub to connect to." };
    if (outcome.kind === "not-connected") return { kind: "skipped", reason: "Azure DPS is not connected." };
    return {
      kind: "checked",
      hubStatus: outcome.verdict.hubStatus,
      errorCode: outcome.verdict.errorCode,
      errorMessage: outcome.verdict.errorMessage,
      nextStep: outcome.verdict.nextStep,
    };
  };

  const [record, identity, live] = await Promise.all([recordLookup(), identityLookup(), liveCheck()]);
  const facts = { device, keyFingerprints, record, identity, live };
  const { steps, verdict } = diagnose(facts);
  return {
    report: { deviceId, checkedAt: new Date().toISOString(), ...facts, steps, verdict },
    secrets,
  };
}

/** Runs the chain for the device page; the report holds no secret. */
export async function troubleshootDevice(deviceId: number): Promise<TroubleshootReportDto> {
  const actor = await requirePermission("devices.view");
  const found = await registrationIdOf(deviceId);
  if (found === null) throw new UserFacingError("This device no longer exists.");
  await takeSlot(actor, found, deviceId, "troubleshoot");
  const gathered = await gather(deviceId);
  if (!gathered) throw new UserFacingError("This device no longer exists.");
  // Built without secrets; redacted anyway, as the bundle is, should a hub or DPS echo one.
  return redactSecrets(gathered.report, gathered.secrets);
}

/** Runs the chain again and answers the diagnostic bundle's JSON, every secret redacted; null when the device is gone. */
export async function diagnosticBundle(deviceId: number): Promise<{ fileName: string; json: string } | null> {
  const actor = await requirePermission("devices.view");
  const found = await registrationIdOf(deviceId);
  if (found === null) return null;
  await takeSlot(actor, found, deviceId, "diagnostic bundle");
  const gathered = await gather(deviceId);
  if (!gathered) return null;
  const json = diagnosticBundleJson(
    gathered.report,
    { generatedBy: actor.email, appVersion: packageInfo.version },
    gathered.secrets,
  );
  const safeName = found.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 100);
  return { fileName: `diagnostics-${safeName}.json`, json };
}

async function registrationIdOf(deviceId: number): Promise<string | null> {
  const { rows } = await getDb().$client.query<{ registration_id: string }>(
    `select registration_id from devices where id = $1`,
    [deviceId],
  );
  return rows[0]?.registration_id ?? null;
}
