import "server-only";
import { isNotNull, sql } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { devices } from "@/db/schema";
import { requirePermission } from "@/lib/auth/current-user";
import { hasPermission } from "@/lib/auth/permissions";
import { recordAudit } from "@/lib/audit/record";
import { UserFacingError } from "@/lib/errors";
import { readDpsIntegrationRow } from "@/lib/integrations/azure-dps/integration-store";
import { parseHubConnectionString } from "@/lib/iot-hub/service/connection-string";
import type { HubRights } from "@/lib/iot-hub/service/registry-client";
import { hubHostRefusal } from "@/lib/security/hub-host-policy";
import type { HubCredentialInput, RemoveHubCredentialInput } from "@/lib/validation/hub-credential";
import type { HubCredentialRowDto, HubCredentialsDto, HubSource } from "./hub-credentials-dto";
import { deleteHubCredential, readHubCredentialRows, writeHubCredential } from "./hub-credentials-store";
import { registryClientForHubs } from "./hub-registry";

/**
 * Hub credentials on the Integration tab: which hubs the enrollment group may use, and a policy
 * connection string per hub, saved write-only (encrypted, never sent back), audited without the
 * string, its rights probed at save. Every function checks its permission first.
 */

/** The linked hubs as DPS last described the group, and the hubs devices were assigned to. */
async function knownHubs(): Promise<{ group: string[] | null; devices: Map<string, number> }> {
  const [row, assigned] = await Promise.all([
    readDpsIntegrationRow(),
    getDb()
      .select({ hub: sql<string>`lower(${devices.assignedHub})`, count: sql<number>`count(*)::int` })
      .from(devices)
      .where(isNotNull(devices.assignedHub))
      .groupBy(sql`lower(${devices.assignedHub})`),
  ]);
  const group = row?.enrollmentGroup
    ? [
        ...row.enrollmentGroup.iotHubs,
        ...(row.enrollmentGroup.iotHubHostName ? [row.enrollmentGroup.iotHubHostName] : []),
      ].map((hub) => hub.toLowerCase())
    : null;
  return { group, devices: new Map(assigned.map((entry) => [entry.hub, entry.count])) };
}

export async function getHubCredentials(): Promise<HubCredentialsDto> {
  const viewer = await requirePermission("integration.view");
  const [known, saved] = await Promise.all([knownHubs(), readHubCredentialRows()]);
  const rows = new Map<string, HubCredentialRowDto>();
  const row = (hubHost: string) => {
    let found = rows.get(hubHost);
    if (!found) {
      found = { hubHost, sources: [], deviceCount: known.devices.get(hubHost) ?? 0, credential: null };
      rows.set(hubHost, found);
    }
    return found;
  };
  const add = (hubHost: string, source: HubSource) => {
    const found = row(hubHost);
    if (!found.sources.includes(source)) found.sources.push(source);
  };
  for (const hub of known.group ?? []) add(hub, "enrollment-group");
  for (const hub of known.devices.keys()) add(hub, "devices");
  for (const credential of saved) {
    add(credential.hubHost, "saved");
    row(credential.hubHost).credential = {
      policyName: credential.policyName,
      rights: credential.rights ?? null,
      rightsCheckedAt: credential.rightsCheckedAt?.toISOString() ?? null,
      rightsError: credential.rightsError,
      savedAt: credential.savedAt.toISOString(),
      savedBy: credential.savedBy,
    };
  }
  return {
    hubs: [...rows.values()].sort((a, b) => a.hubHost.localeCompare(b.hubHost)),
    groupHubsKnown: known.group !== null,
    canManage: hasPermission(viewer.role, "integration.manage"),
  };
}

export type SaveHubCredentialResult = {
  replaced: boolean;
  rights: HubRights | null;
  rightsError: string | null;
};

const field = (message: string, name: "hubHost" | "connectionString" = "connectionString") =>
  new UserFacingError(message, { [name]: [message] });

/**
 * Saves or replaces `input.hubHost`'s connection string after probing what its policy may do (no
 * side effects). A string the hub refuses outright is not saved; one that could not be checked now
 * (the hub unreachable or throttling) is saved with the reason, and shown as not checked.
 */
export async function saveHubCredential(input: HubCredentialInput): Promise<SaveHubCredentialResult> {
  const actor = await requirePermission("integration.manage");
  const parsed = parseHubConnectionString(input.connectionString);
  if (!parsed.ok) throw field(parsed.message);
  const connection = parsed.value;
  if (connection.hostName !== input.hubHost)
    throw field(`This connection string is for ${connection.hostName}, not ${input.hubHost}.`);
  const known = await knownHubs();
  const saved = await readHubCredentialRows();
  const listed =
    known.group?.includes(input.hubHost) ||
    known.devices.has(input.hubHost) ||
    saved.some((row) => row.hubHost === input.hubHost);
  if (!listed)
    throw field(
      `${input.hubHost} is neither linked to the enrollment group nor a hub devices were assigned to.`,
      "hubHost",
    );
  const refusal = hubHostRefusal(input.hubHost, undefined, "service");
  if (refusal) throw field(refusal);

  const probe = await registryClientForHubs().probeRights(connection);
  const detail = { hubHost: input.hubHost, policyName: connection.policyName };
  if (!probe.ok && (probe.failure.kind === "unauthorized" || probe.failure.kind === "forbidden")) {
    await recordAudit({
      actor,
      action: "hub-credential.save",
      target: input.hubHost,
      outcome: "failure",
      detail: { ...detail, reason: probe.failure.message },
    });
    throw field(probe.failure.message);
  }
  const rights = probe.ok ? probe.value : null;
  const rightsError = probe.ok ? null : probe.failure.message;
  const { replaced } = await writeHubCredential(connection, { rights, error: rightsError }, actor.id);
  await recordAudit({
    actor,
    action: "hub-credential.save",
    target: input.hubHost,
    outcome: "success",
    detail: { ...detail, replaced, rights, ...(rightsError ? { rightsError } : {}) },
  });
  return { replaced, rights, rightsError };
}

export async function removeHubCredential(input: RemoveHubCredentialInput): Promise<{ removed: boolean }> {
  const actor = await requirePermission("integration.manage");
  const deleted = await deleteHubCredential(input.hubHost);
  await recordAudit({
    actor,
    action: "hub-credential.remove",
    target: input.hubHost,
    outcome: deleted ? "success" : "failure",
    detail: deleted
      ? { hubHost: input.hubHost, policyName: deleted.policyName }
      : { hubHost: input.hubHost, reason: "none saved" },
  });
  return { removed: deleted !== null };
}
