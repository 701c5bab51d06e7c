import { beforeEach, describe, expect, it } from "vitest";
import { getDb } from "@/lib/database";
import { truncate } from "@/tests/support/db";
import type { DpsServiceCredentials } from "@/lib/integrations/azure-dps/credentials";
import { previewRemoval } from "./removal-preview";

const HUB_A = "hub-a.azure-devices.net";
const HUB_B = "hub-b.azure-devices.net";
const HUB_C = "hub-c.azure-devices.net";

const owner: DpsServiceCredentials = {
  connection: { host: "dps.example", policyName: "provisioningserviceowner", key: "c2VjcmV0" },
  rights: {
    enrollmentRead: true,
    enrollmentWrite: null,
    registrationStatusRead: true,
    registrationStatusWrite: true,
  },
  enrollmentGroupId: "fleet",
  enrollmentGroupSource: "found-by-key",
  groupKeys: ["a2V5", null],
  version: 1,
};

const hubs = [
  { hubHost: HUB_A, policyName: "registryReadWrite", rights: { registryRead: true, registryWrite: true } },
  { hubHost: HUB_B, policyName: "registryRead", rights: { registryRead: true, registryWrite: false } },
];

async function device(registrationId: string, hub: string | null, etag: string | null): Promise<number> {
  const { rows } = await getDb().$client.query<{ id: string }>(
    `insert into devices (registration_id, assigned_hub, etag, status) values ($1, $2, $3, $4) returning id`,
    [registrationId, hub, etag, hub ? "assigned" : "pending"],
  );
  return Number(rows[0]!.id);
}

beforeEach(() => truncate("devices", "dps_registration_records"));

describe("the removal preview says what stays where before anything runs", () => {
  it("per device: a record the app may delete, a hub it may write, and why not otherwise", async () => {
    const own = await device("own-1", HUB_A, '"etag-1"');
    const readOnly = await device("ro-1", HUB_B, '"etag-2"');
    const noCredentials = await device("nocred-1", HUB_C, null);
    const neverAssigned = await device("pending-1", null, null);
    // Listed by the last reconciliation of the app's own group: the app may delete it.
    await getDb().$client.query(
      `insert into dps_registration_records (registration_key, registration_id, enrollment_group_id, status, etag, seen_in_run)
       values ('nocred-1', 'nocred-1', 'fleet', 'assigned', '"etag-3"', 1)`,
    );
    const preview = await previewRemoval(
      getDb().$client,
      [own, readOnly, noCredentials, neverAssigned, 999_999],
      owner,
      hubs,
    );
    expect(preview.missing).toBe(1);
    expect(preview.devices).toEqual([
      {
        id: own,
        registrationId: "own-1",
        hub: HUB_A,
        hubDeviceId: "own-1",
        dpsRecord: { kind: "ready", note: null },
        hubIdentity: { kind: "ready", note: null },
      },
      {
        id: readOnly,
        registrationId: "ro-1",
        hub: HUB_B,
        hubDeviceId: "ro-1",
        dpsRecord: { kind: "ready", note: null },
        hubIdentity: {
          kind: "unavailable",
          reason: `the policy "registryRead" saved for ${HUB_B} may only read its registry (it lacks registryWrite)`,
        },
      },
      {
        id: noCredentials,
        registrationId: "nocred-1",
        hub: HUB_C,
        hubDeviceId: "nocred-1",
        dpsRecord: { kind: "ready", note: null },
        hubIdentity: { kind: "unavailable", reason: `no hub credentials are saved for ${HUB_C}` },
      },
      {
        id: neverAssigned,
        registrationId: "pending-1",
        hub: null,
        hubDeviceId: "pending-1",
        dpsRecord: {
          kind: "unavailable",
          reason: expect.stringContaining("no DPS record the app may delete"),
        },
        hubIdentity: { kind: "not-needed", reason: "never assigned to a hub" },
      },
    ]);
    expect(preview.counts).toEqual({
      devices: 4,
      dpsRecordDeletable: 3,
      hubWritable: 1,
      noHub: 1,
      dpsRecordUnavailable: [
        { reason: expect.stringContaining("no DPS record the app may delete"), count: 1 },
      ],
      hubUnavailable: [
        { reason: expect.stringContaining("lacks registryWrite"), count: 1 },
        { reason: `no hub credentials are saved for ${HUB_C}`, count: 1 },
      ],
    });
    expect(JSON.stringify(preview)).not.toMatch(/c2VjcmV0|a2V5/);
  });

  it("counts a selection without a service connection string as records left, with the reason once", async () => {
    const ids = [];
    for (let i = 0; i < 30; i++) ids.push(await device(`sel-${i}`, i % 2 ? HUB_A : HUB_B, `"e${i}"`));
    const preview = await previewRemoval(getDb().$client, ids, null, hubs);
    expect(preview.devices).toHaveLength(20);
    expect(preview.counts).toMatchObject({
      devices: 30,
      dpsRecordDeletable: 0,
      hubWritable: 15,
      dpsRecordUnavailable: [{ reason: expect.stringContaining("No service connection string"), count: 30 }],
      hubUnavailable: [{ reason: expect.stringContaining("lacks registryWrite"), count: 15 }],
    });
  });
});
