// Raw SQL: the plan: one statement for up to 10,000 devices, each with an exists on the records'
// key in the "C" collation its index uses.
import type pg from "pg";
import type { HubRights } from "@/lib/iot-hub/service";
import type { DpsServiceCredentials } from "@/lib/integrations/azure-dps/credentials";
import { writeRefusal } from "@/lib/hubs/hub-identity-steps";
import { cleanupUnavailable } from "./removal-dps-step";
import {
  PREVIEW_DEVICE_LIST,
  type RemovalPreviewDevice,
  type RemovalPreviewDto,
  type StepReadiness,
} from "./removal-dto";

/**
 * What each step of a removal would do for each selected device, before anything runs: read from
 * the database and the saved credentials only (no call to DPS or a hub), so a preview of 10,000
 * devices is one query. The removal itself decides again, step by step.
 */

export type HubCredentialSummary = { hubHost: string; policyName: string; rights: HubRights | null };

const NOT_THE_APPS =
  "no DPS record the app may delete: the app never registered it, and the last reconciliation of its enrollment group did not list one";

export async function previewRemoval(
  pool: Pick<pg.Pool, "query">,
  deviceIds: number[],
  credentials: DpsServiceCredentials | null,
  hubs: HubCredentialSummary[],
): Promise<RemovalPreviewDto> {
  const ids = [...new Set(deviceIds)];
  const { rows } = await pool.query<{
    id: string;
    registration_id: string;
    assigned_hub: string | null;
    dps_device_id: string | null;
    own_record: boolean;
  }>(
    `select d.id, d.registration_id, d.assigned_hub, d.dps_device_id,
            (d.etag is not null or exists (
               select 1 from dps_registration_records r
               where r.registration_key collate "C" = lower(d.registration_id) collate "C"
                 and ($2::text is null or r.enrollment_group_id = $2) and r.etag is not null)) as own_record
     from devices d where d.id = any($1::bigint[]) order by d.id`,
    [ids, credentials?.enrollmentGroupId ?? null],
  );
  const byHub = new Map(hubs.map((hub) => [hub.hubHost.toLowerCase(), hub]));
  const serviceRefusal = cleanupUnavailable(credentials);
  const counts = {
    devices: rows.length,
    dpsRecordDeletable: 0,
    hubWritable: 0,
    noHub: 0,
    dpsRecordUnavailable: new Map<string, number>(),
    hubUnavailable: new Map<string, number>(),
  };
  const devices: RemovalPreviewDevice[] = [];
  for (const row of rows) {
    const dpsRecord: StepReadiness = serviceRefusal
      ? { kind: "unavailable", reason: serviceRefusal }
      : row.own_record
        ? { kind: "ready", note: null }
        : { kind: "unavailable", reason: NOT_THE_APPS };
    const hubIdentity = hubReadiness(row.assigned_hub, byHub);
    if (dpsRecord.kind === "ready") counts.dpsRecordDeletable++;
    else bump(counts.dpsRecordUnavailable, dpsRecord.reason);
    if (hubIdentity.kind === "ready") counts.hubWritable++;
    else if (hubIdentity.kind === "not-needed") counts.noHub++;
    else bump(counts.hubUnavailable, hubIdentity.reason);
    if (devices.length < PREVIEW_DEVICE_LIST)
      devices.push({
        id: Number(row.id),
        registrationId: row.registration_id,
        hub: row.assigned_hub,
        hubDeviceId: row.dps_device_id ?? row.registration_id,
        dpsRecord,
        hubIdentity,
      });
  }
  return {
    counts: {
      devices: counts.devices,
      dpsRecordDeletable: counts.dpsRecordDeletable,
      hubWritable: counts.hubWritable,
      noHub: counts.noHub,
      dpsRecordUnavailable: tally(counts.dpsRecordUnavailable),
      hubUnavailable: tally(counts.hubUnavailable),
    },
    devices,
    missing: ids.length - rows.length,
  };
}

function hubReadiness(hub: string | null, byHub: Map<string, HubCredentialSummary>): StepReadiness {
  if (!hub) return { kind: "not-needed", reason: "never assigned to a hub" };
  const saved = byHub.get(hub.toLowerCase());
  if (!saved) return { kind: "unavailable", reason: `no hub credentials are saved for ${hub}` };
  const refused = writeRefusal(hub, saved.policyName, saved.rights);
  if (refused) return { kind: "unavailable", reason: refused };
  return {
    kind: "ready",
    note: saved.rights ? null : `the rights of the policy "${saved.policyName}" were not checked yet`,
  };
}

function bump(map: Map<string, number>, reason: string): void {
  map.set(reason, (map.get(reason) ?? 0) + 1);
}

function tally(map: Map<string, number>): Array<{ reason: string; count: number }> {
  return [...map].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count);
}
