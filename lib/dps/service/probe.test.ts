import { describe, expect, it } from "vitest";
import type { DpsFailure } from "../types";
import type { DpsServiceClient, ServiceResult } from "./client";
import { findGroupByKey, probeServiceRights, summarizeGroup, RIGHTS_PROBE_ETAG } from "./probe";
import type { EnrollmentGroupView } from "./wire";

const CONNECTION = { host: "dps.azure-devices-provisioning.net", policyName: "p", key: "k" };
const failure = (httpStatus: number, kind: DpsFailure["kind"]): ServiceResult<never> =>
  ({
    ok: false,
    attempts: 1,
    failure: { kind, httpStatus, dpsErrorCode: null, trackingId: null, message: "x" },
  }) as ServiceResult<never>;
const group = (
  id: string,
  primaryKey: string | null,
  secondaryKey: string | null = null,
): EnrollmentGroupView => ({
  enrollmentGroupId: id,
  attestationType: primaryKey ? "symmetricKey" : "x509",
  symmetricKeys: primaryKey ? { primaryKey, secondaryKey } : null,
  provisioningStatus: "enabled",
  allocationPolicy: "hashed",
  iotHubs: [],
  iotHubHostName: null,
  reprovisionPolicy: null,
  customAllocationWebhookUrl: null,
  etag: null,
  lastUpdatedDateTimeUtc: null,
});

function fakeClient(answers: {
  groups: ServiceResult<unknown>[];
  read: ServiceResult<unknown>;
  write: ServiceResult<unknown>;
}) {
  const deletes: (string | null)[] = [];
  const client = {
    queryEnrollmentGroups: async () => answers.groups.shift(),
    getRegistrationState: async () => answers.read,
    deleteRegistrationState: async (_c: unknown, _id: string, etag: string | null) => {
      deletes.push(etag);
      return answers.write;
    },
  } as unknown as DpsServiceClient;
  return { client, deletes };
}

describe("probing a policy's rights", () => {
  it("finds all three rights of an owner policy, and every enrollment group over pages", async () => {
    const { client, deletes } = fakeClient({
      groups: [
        { ok: true, attempts: 1, value: { items: [group("a", "ka")], continuationToken: "t" } },
        { ok: true, attempts: 1, value: { items: [group("b", "kb")], continuationToken: null } },
      ],
      read: failure(404, "not-found"),
      write: failure(404, "not-found"),
    });
    const probe = await probeServiceRights(client, CONNECTION);
    expect(probe).toMatchObject({
      accepted: true,
      rights: {
        enrollmentRead: true,
        enrollmentWrite: null,
        registrationStatusRead: true,
        registrationStatusWrite: true,
      },
    });
    expect(probe.accepted && probe.enrollmentGroups?.map((g) => g.enrollmentGroupId)).toEqual(["a", "b"]);
    // The write probe can never delete a real record: it names an etag no record has.
    expect(deletes).toEqual([RIGHTS_PROBE_ETAG]);
  });

  it("tells a read-only policy (write refused, or a record that changed: 412) from one that is refused outright", async () => {
    const readOnly = await probeServiceRights(
      fakeClient({
        groups: [failure(401, "unauthorized")],
        read: failure(404, "not-found"),
        write: failure(401, "unauthorized"),
      }).client,
      CONNECTION,
    );
    expect(readOnly).toMatchObject({
      accepted: true,
      rights: { enrollmentRead: false, registrationStatusRead: true, registrationStatusWrite: false },
      enrollmentGroups: null,
    });

    const precondition = await probeServiceRights(
      fakeClient({
        groups: [failure(401, "unauthorized")],
        read: failure(404, "not-found"),
        write: failure(412, "bad-request"),
      }).client,
      CONNECTION,
    );
    expect(precondition.rights.registrationStatusWrite).toBe(true);

    const wrongKey = await probeServiceRights(
      fakeClient({
        groups: [failure(401, "unauthorized")],
        read: failure(401, "unauthorized"),
        write: failure(401, "unauthorized"),
      }).client,
      CONNECTION,
    );
    expect(wrongKey).toMatchObject({ accepted: false, failure: { kind: "unauthorized" } });
  });

  it("finds the group by the app's primary or secondary key, and shows it without its keys", () => {
    const groups = [group("x509-group", null), group("a", "ka", "ka2"), group("b", "kb", "kb2")];
    expect(findGroupByKey(groups, ["kb2", null])?.enrollmentGroupId).toBe("b");
    expect(findGroupByKey(groups, ["nope", "ka"])?.enrollmentGroupId).toBe("a");
    expect(findGroupByKey(groups, ["nope"])).toBeNull();
    expect(JSON.stringify(summarizeGroup(groups[1]!))).not.toContain("ka");
  });
});
