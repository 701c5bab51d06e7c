import { beforeEach, describe, expect, it } from "vitest";
import { getDb } from "@/lib/database";
import { insertPlatformDevice, truncate, type PlatformDevice } from "@/tests/support/db";
import type { DriftIdentity } from "./drift-store";
import { insertDriftRun } from "./drift-store";
import { runDriftSlice, type DriftDeps, type DriftFailure, type DriftPage } from "./drift-slice";

const HUB_A = "hub-a.azure-devices.net";
const HUB_B = "hub-b.azure-devices.net";
const db = () => getDb().$client;

function identity(deviceId: string, extra: Partial<DriftIdentity> = {}): DriftIdentity {
  return {
    deviceId,
    etag: `etag-${deviceId}`,
    status: "enabled",
    statusReason: null,
    authenticationType: "sas",
    lastActivityTime: "0001-01-01T00:00:00Z",
    ...extra,
  };
}

type FakeHub = { identities: DriftIdentity[]; failures?: DriftFailure[] };

/** A registry stand-in paging each hub's identities by offset; a hub's planted failures answer first, one per call. */
function fakeRegistry(hubs: Record<string, FakeHub>, calls: string[] = []) {
  const deps = {
    pool: db() as never,
    loadHubConnection: async (hubHost: string) =>
      hubs[hubHost] ? { connection: hubHost, rights: { registryRead: true } } : null,
    queryIdentities: async (
      connection: string,
      page: { pageSize?: number; continuationToken?: string | null },
    ): Promise<DriftPage> => {
      calls.push(`${connection}@${page.continuationToken ?? 0}`);
      const hub = hubs[connection]!;
      const failure = hub.failures?.shift();
      if (failure) return { ok: false, failure };
      const start = Number(page.continuationToken ?? 0);
      const end = start + (page.pageSize ?? 1000);
      return {
        ok: true,
        value: {
          items: hub.identities.slice(start, end),
          continuationToken: end < hub.identities.length ? String(end) : null,
        },
      };
    },
    pageSize: 2,
  } satisfies DriftDeps<string>;
  return deps;
}

/** A device in the platform; assigned to a hub, it has the registration ID as DPS's device ID unless told otherwise. */
const platformDevice = (registrationId: string, values: PlatformDevice) =>
  insertPlatformDevice(registrationId, values, values.hub ? registrationId : null);

async function dpsRecord(
  registrationId: string,
  hub: string | null,
  deviceId = registrationId,
): Promise<void> {
  await db().query(
    `insert into dps_registration_records (registration_key, registration_id, enrollment_group_id, status, assigned_hub, device_id, seen_in_run)
     values (lower($1), $1, 'fleet', $2, $3, $4, 1)`,
    [registrationId, hub ? "assigned" : "unassigned", hub, deviceId],
  );
}

async function findings(runId: number) {
  const { rows } = await db().query<{
    kind: string;
    hub_host: string;
    device_id: string;
    registration_id: string | null;
  }>(
    `select kind, hub_host, device_id, registration_id from hub_drift_findings where run_id = $1 order by sort_key`,
    [runId],
  );
  return rows.map((row) => `${row.kind} ${row.hub_host.split(".")[0]} ${row.device_id}`);
}

async function driftToEnd(deps: DriftDeps<string>, hubs: string[]) {
  const { id } = await insertDriftRun(db(), hubs, null);
  const outcomes: string[] = [];
  for (let slice = 0; slice < 100; slice += 1) {
    const outcome = await runDriftSlice(deps, id, `job-${slice}`);
    outcomes.push(outcome.kind);
    if (outcome.kind !== "continue" && outcome.kind !== "retry-later") return { id, outcome, outcomes };
  }
  throw new Error("the drift run never finished");
}

beforeEach(async () => {
  await truncate("devices", "dps_registration_records", "hub_drift_runs");
});

describe("comparing each hub's identities with the platform's devices and DPS's records", () => {
  it("finds one of each case: missing, disabled, orphan, device ID differs, stale", async () => {
    await platformDevice("healthy", { status: "assigned", hub: HUB_A });
    await platformDevice("no-identity", { status: "assigned", hub: HUB_A });
    await platformDevice("switched-off", { status: "assigned", hub: HUB_A });
    await platformDevice("renamed", { status: "assigned", hub: HUB_A, deviceId: "renamed-in-dps" });
    await platformDevice("moved", { status: "assigned", hub: HUB_B });
    await dpsRecord("moved", HUB_B);
    await dpsRecord("dps-only", HUB_B);
    const deps = fakeRegistry({
      [HUB_A]: {
        identities: [
          identity("healthy"),
          identity("switched-off", { status: "disabled", statusReason: "blocked by support" }),
          identity("renamed-in-dps"),
          identity("nobody-knows-me"),
          identity("moved"),
        ],
      },
      [HUB_B]: { identities: [identity("moved"), identity("dps-only")] },
    });
    const { id, outcome } = await driftToEnd(deps, [HUB_A, HUB_B]);
    expect(outcome).toEqual({
      kind: "completed",
      counts: { identities: 7, missing: 1, disabled: 1, orphans: 1, deviceIdDiffers: 1, stale: 1 },
    });
    expect(await findings(id)).toEqual(
      [
        "device-id-differs hub-a renamed-in-dps",
        "orphan hub-a nobody-knows-me",
        "stale hub-a moved",
        "missing hub-a no-identity",
        "disabled hub-a switched-off",
      ].sort((a, b) => sortKey(a).localeCompare(sortKey(b))),
    );
  });

  it("knows a device by its DPS record alone, and matches IDs without regard to case", async () => {
    await dpsRecord("Sensor-7", HUB_A);
    const deps = fakeRegistry({ [HUB_A]: { identities: [identity("sensor-7")] } });
    const { outcome } = await driftToEnd(deps, [HUB_A]);
    expect(outcome).toMatchObject({ kind: "completed", counts: { missing: 0, orphans: 0, stale: 0 } });
  });

  it("lists a disabled orphan both as an orphan and as disabled", async () => {
    const deps = fakeRegistry({ [HUB_A]: { identities: [identity("ghost", { status: "disabled" })] } });
    const { id } = await driftToEnd(deps, [HUB_A]);
    expect(await findings(id)).toEqual(["disabled hub-a ghost", "orphan hub-a ghost"]);
  });
});

describe("a drift run in slices", () => {
  it("resumes after the last stored page when its slices end (or its worker dies) mid-hub", async () => {
    await platformDevice("d0", { status: "assigned", hub: HUB_A });
    const calls: string[] = [];
    const identities = Array.from({ length: 7 }, (_, i) => identity(`d${i}`));
    const deps = { ...fakeRegistry({ [HUB_A]: { identities } }, calls), sliceMs: 0 };
    const { outcome, outcomes } = await driftToEnd(deps, [HUB_A]);
    expect(outcomes).toEqual(["continue", "continue", "continue", "completed"]);
    // Each page asked once: no slice starts the hub over.
    expect(calls).toEqual([`${HUB_A}@0`, `${HUB_A}@2`, `${HUB_A}@4`, `${HUB_A}@6`]);
    expect(outcome).toMatchObject({ counts: { identities: 7, orphans: 6 } });
  });

  it("takes over a run whose worker went silent, and leaves a live one alone", async () => {
    const deps = {
      ...fakeRegistry({ [HUB_A]: { identities: [identity("a"), identity("b"), identity("c")] } }),
      sliceMs: 0,
    };
    const { id } = await insertDriftRun(db(), [HUB_A], null);
    expect(await runDriftSlice(deps, id, "first")).toEqual({ kind: "continue" });
    // The first job's worker claims it again and dies holding it.
    await db().query(
      `update hub_drift_runs set status = 'running', lease_owner = 'first', heartbeat_at = now() where id = $1`,
      [id],
    );
    expect(await runDriftSlice(deps, id, "second")).toEqual({ kind: "not-claimed" });
    await db().query(`update hub_drift_runs set heartbeat_at = now() - interval '10 minutes' where id = $1`, [
      id,
    ]);
    expect(await runDriftSlice({ ...deps, sliceMs: 60_000 }, id, "second")).toMatchObject({
      kind: "completed",
    });
    const { rows } = await db().query(`select resumes, identities_seen from hub_drift_runs where id = $1`, [
      id,
    ]);
    expect(rows[0]).toEqual({ resumes: 1, identities_seen: 3 });
  });

  it("waits for a hub that throttles, then reads it from where it stood", async () => {
    const deps = fakeRegistry({
      [HUB_A]: {
        identities: [identity("a"), identity("b"), identity("c")],
        failures: [{ kind: "throttled", status: 429, message: "slow down" }],
      },
    });
    const { id, outcomes, outcome } = await driftToEnd(deps, [HUB_A]);
    expect(outcomes).toEqual(["retry-later", "completed"]);
    expect(outcome).toMatchObject({ counts: { identities: 3 } });
    const { rows } = await db().query(`select status, waits from hub_drift_run_hubs where run_id = $1`, [id]);
    expect(rows).toEqual([{ status: "read", waits: 1 }]);
  });

  it("reports a hub that stays unreachable as not read, and compares the others", async () => {
    await platformDevice("on-b", { status: "assigned", hub: HUB_B });
    const down = { kind: "unreachable", status: null, message: "ECONNREFUSED" };
    const deps = {
      ...fakeRegistry({
        [HUB_A]: { identities: [identity("x")] },
        [HUB_B]: { identities: [], failures: [down, down, down] },
      }),
      maxWaits: 3,
    };
    const { id, outcomes, outcome } = await driftToEnd(deps, [HUB_A, HUB_B]);
    expect(outcomes).toEqual(["retry-later", "retry-later", "completed"]);
    // The device on the hub not read is not called missing.
    expect(outcome).toMatchObject({ counts: { orphans: 1, missing: 0 } });
    const { rows } = await db().query(
      `select hub_host, status, problem from hub_drift_run_hubs where run_id = $1 order by hub_host`,
      [id],
    );
    expect(rows).toEqual([
      { hub_host: HUB_A, status: "read", problem: null },
      { hub_host: HUB_B, status: "not-read", problem: `${HUB_B} did not answer. Gave up after 3 tries.` },
    ]);
  });

  it("reports at once a hub whose saved policy is refused, or whose credentials are gone", async () => {
    const deps = fakeRegistry({
      [HUB_A]: { identities: [], failures: [{ kind: "forbidden", status: 403, message: "no" }] },
    });
    const { id, outcomes } = await driftToEnd(deps, [HUB_A, HUB_B]);
    expect(outcomes).toEqual(["completed"]);
    const { rows } = await db().query(
      `select status, problem from hub_drift_run_hubs where run_id = $1 order by hub_host`,
      [id],
    );
    expect(rows).toEqual([
      { status: "not-read", problem: expect.stringContaining("registryRead") },
      { status: "not-read", problem: `No credentials are saved for ${HUB_B} any more.` },
    ]);
  });

  it("keeps one run at a time: asking again while one waits returns that one", async () => {
    const first = await insertDriftRun(db(), [HUB_A], null);
    expect(await insertDriftRun(db(), [HUB_A, HUB_B], null)).toEqual({ id: first.id, created: false });
  });
});

/** The store's order: hub, then device ID, then case. */
function sortKey(line: string): string {
  const [kind, hub, device] = line.split(" ");
  return `${hub}/${device!.toLowerCase()}#${kind}`;
}
