import { describe, expect, it } from "vitest";
import type { DpsFetch } from "../http";
import { createDpsServiceClient } from "./client";

const KEY = Buffer.from("HIC-service-client-test-key-0001").toString("base64");
const CONNECTION = {
  host: "my-dps.azure-devices-provisioning.net",
  policyName: "provisioningserviceowner",
  key: KEY,
};

type Sent = { method: string; url: string; headers: Record<string, string>; body: unknown };
type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

function scripted(replies: Reply[]) {
  const sent: Sent[] = [];
  const sleeps: number[] = [];
  const fetch: DpsFetch = async (url, init) => {
    sent.push({
      method: init.method ?? "GET",
      url,
      headers: init.headers ?? {},
      body: init.body === undefined ? undefined : JSON.parse(init.body),
    });
    const reply = replies.shift() ?? { status: 500 };
    const headers = Object.fromEntries(
      Object.entries(reply.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    return {
      status: reply.status,
      headers: { get: (name) => headers[name.toLowerCase()] ?? null },
      text: async () => (reply.body === undefined ? "" : JSON.stringify(reply.body)),
    };
  };
  const client = createDpsServiceClient({
    fetch,
    now: () => 1_700_000_000_000,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
  });
  return { client, sent, sleeps };
}

const state = (registrationId: string, extra: Record<string, unknown> = {}) => ({
  registrationId,
  status: "assigned",
  assignedHub: "hub-a.azure-devices.net",
  deviceId: registrationId,
  etag: `etag-${registrationId}`,
  createdDateTimeUtc: "2024-05-01T10:00:00.1234567Z",
  lastUpdatedDateTimeUtc: "2024-05-01T10:00:01.1234567Z",
  ...extra,
});

describe("the DPS service client", () => {
  it("pages through a group's registration states with x-ms-max-item-count and x-ms-continuation", async () => {
    const { client, sent } = scripted([
      { status: 200, body: [state("a"), state("b")], headers: { "x-ms-continuation": "token-1" } },
      { status: 200, body: [state("c"), { status: "assigned" }] },
    ]);
    const first = await client.queryRegistrationStates(CONNECTION, "fleet group", { pageSize: 2 });
    expect(first).toMatchObject({ ok: true, value: { continuationToken: "token-1" }, attempts: 1 });
    const second = await client.queryRegistrationStates(CONNECTION, "fleet group", {
      pageSize: 2,
      continuationToken: "token-1",
    });
    expect(second.ok && second.value.items.map((item) => item.registrationId)).toEqual(["c"]);
    expect(second.ok && second.value.continuationToken).toBeNull();
    expect(sent[0]).toMatchObject({
      method: "POST",
      url: "https://my-dps.azure-devices-provisioning.net/registrations/fleet%20group/query?api-version=2021-10-01",
      body: { query: "*" },
    });
    expect(sent[0]!.headers["x-ms-max-item-count"]).toBe("2");
    expect(sent[0]!.headers["x-ms-continuation"]).toBeUndefined();
    expect(sent[1]!.headers["x-ms-continuation"]).toBe("token-1");
    expect(sent[0]!.headers.Authorization).toMatch(
      /^SharedAccessSignature sr=my-dps\.azure-devices-provisioning\.net&sig=.+&se=1700003600&skn=provisioningserviceowner$/,
    );
  });

  it("deletes with the record's etag as If-Match, and reports DPS's refusal of a changed record (412)", async () => {
    const { client, sent } = scripted([
      { status: 204 },
      {
        status: 412,
        body: { errorCode: 412002, trackingId: "t-1", message: "Precondition failed", timestampUtc: "x" },
      },
    ]);
    expect(await client.deleteRegistrationState(CONNECTION, "device-1", '"etag-1"')).toEqual({
      ok: true,
      value: null,
      attempts: 1,
    });
    const refused = await client.deleteRegistrationState(CONNECTION, "device-1", '"etag-1"');
    expect(refused).toMatchObject({
      ok: false,
      failure: { kind: "bad-request", httpStatus: 412, dpsErrorCode: 412002, trackingId: "t-1" },
    });
    expect(sent[0]).toMatchObject({
      method: "DELETE",
      url: "https://my-dps.azure-devices-provisioning.net/registrations/device-1?api-version=2021-10-01",
    });
    expect(sent[0]!.headers["If-Match"]).toBe('"etag-1"');
  });

  it("waits what a 429 asks and sends again, counting every request", async () => {
    const { client, sleeps } = scripted([
      {
        status: 429,
        body: { errorCode: 429001, message: "Too many requests" },
        headers: { "Retry-After": "3" },
      },
      { status: 200, body: state("a") },
    ]);
    const result = await client.getRegistrationState(CONNECTION, "a");
    expect(result).toMatchObject({ ok: true, value: { registrationId: "a", etag: "etag-a" }, attempts: 2 });
    expect(sleeps[0]).toBeGreaterThanOrEqual(3000);
  });

  it("reads the enrollment group, and refuses a body that is not one as malformed", async () => {
    const { client } = scripted([
      {
        status: 200,
        body: {
          enrollmentGroupId: "fleet",
          attestation: { type: "symmetricKey", symmetricKey: { primaryKey: "p", secondaryKey: "s" } },
          allocationPolicy: "hashed",
          iotHubs: ["hub-a.azure-devices.net"],
          reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: false },
          provisioningStatus: "disabled",
          etag: "e",
        },
      },
      // A malformed answer may be a truncated one: it is retried like a 5xx, then reported.
      ...Array.from({ length: 5 }, () => ({ status: 200, body: ["not", "a", "group"] })),
    ]);
    expect(await client.getEnrollmentGroup(CONNECTION, "fleet")).toMatchObject({
      ok: true,
      value: {
        enrollmentGroupId: "fleet",
        provisioningStatus: "disabled",
        reprovisionPolicy: { migrateDeviceData: false },
        symmetricKeys: { primaryKey: "p" },
      },
    });
    expect(await client.getEnrollmentGroup(CONNECTION, "fleet")).toMatchObject({
      ok: false,
      failure: { kind: "transient", cause: "malformed" },
      attempts: 5,
    });
  });

  it("reads a page of many records past the single-answer bound, but not a single answer that large", async () => {
    const many = Array.from({ length: 400 }, (_, i) =>
      state(`device-${String(i).padStart(4, "0")}`, { payload: { site: "x".repeat(100) } }),
    );
    expect(JSON.stringify(many).length).toBeGreaterThan(64 * 1024);
    const { client } = scripted([
      { status: 200, body: many },
      ...Array.from({ length: 5 }, () => ({
        status: 200,
        body: state("huge", { payload: "x".repeat(70 * 1024) }),
      })),
    ]);
    const page = await client.queryRegistrationStates(CONNECTION, "fleet", { pageSize: 400 });
    expect(page.ok && page.value.items).toHaveLength(400);
    expect(await client.getRegistrationState(CONNECTION, "huge")).toMatchObject({
      ok: false,
      failure: { kind: "transient", message: expect.stringContaining("more than 64 KiB") },
    });
  });

  it("never returns the policy key or the token it signed, even when DPS echoes them", async () => {
    const { client, sent } = scripted([
      { status: 401, body: { errorCode: 401002, message: `Unauthorized: key ${KEY}` } },
    ]);
    const result = await client.getEnrollmentGroup(CONNECTION, "fleet");
    expect(result).toMatchObject({ ok: false, failure: { kind: "unauthorized", httpStatus: 401 } });
    const text = JSON.stringify(result);
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(sent[0]!.headers.Authorization!);
  });
});
