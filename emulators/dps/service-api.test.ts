import { SharedAccessSignature } from "azure-iot-common";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import {
  fleetToken,
  OWNER_POLICY,
  rawRequest,
  READER_POLICY,
  registerAndWait,
  serviceToken,
  startTestEmulator,
  testConfig,
  type TestEmulator,
} from "@/tests/support/dps-emulator";

const API = "api-version=2021-10-01";

describe("the emulator's DPS service API", () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator(testConfig());
  });
  afterAll(() => emulator.dispose());
  beforeEach(() => emulator.admin.reset());

  const call = (
    method: string,
    path: string,
    options: {
      policy?: typeof OWNER_POLICY;
      token?: string;
      body?: unknown;
      headers?: Record<string, string>;
    } = {},
  ) =>
    rawRequest(emulator, method, path, {
      token: options.token ?? serviceToken(emulator, options.policy ?? OWNER_POLICY),
      body: options.body,
      headers: { host: `localhost:${emulator.port}`, ...options.headers },
    });

  it("shows an enrollment group with its keys, allocation, hubs, reprovisioning and status; unknown groups are 404 with DPS's error body", async () => {
    const group = await call("GET", `/enrollmentGroups/fleet?${API}`);
    expect(group.status).toBe(200);
    expect(group.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(group.json).toMatchObject({
      enrollmentGroupId: "fleet",
      attestation: {
        type: "symmetricKey",
        symmetricKey: { primaryKey: testConfig().enrollmentGroups[0]!.primaryKey },
      },
      allocationPolicy: "hashed",
      iotHubs: [],
      reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: true },
      provisioningStatus: "enabled",
      etag: expect.any(String),
    });
    const missing = await call("GET", `/enrollmentGroups/nope?${API}`);
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({
      errorCode: 404204,
      trackingId: expect.any(String),
      message: "Enrollment group nope not found",
      timestampUtc: expect.stringMatching(/Z$/),
    });
    expect(missing.headers["x-ms-error-code"]).toBe("404204");
  });

  it("pages a group's registration states with x-ms-max-item-count and an opaque x-ms-continuation, absent on the last page", async () => {
    emulator.admin.generateRegistrations({ prefix: "page-", count: 5, digits: 2 });
    emulator.admin.addRegistrations({ registrationId: "other-group-device", enrollmentGroupId: "retired" });
    const seen: string[] = [];
    let continuation: string | undefined;
    let pages = 0;
    do {
      const page = await call("POST", `/registrations/fleet/query?${API}`, {
        body: { query: "*" },
        headers: {
          "x-ms-max-item-count": "2",
          ...(continuation ? { "x-ms-continuation": continuation } : {}),
        },
      });
      expect(page.status).toBe(200);
      expect(page.headers["x-ms-max-item-count"]).toBe("2");
      seen.push(...(page.json as { registrationId: string }[]).map((state) => state.registrationId));
      continuation = page.headers["x-ms-continuation"] as string | undefined;
      pages += 1;
    } while (continuation);
    expect(pages).toBe(3);
    expect(seen).toEqual(["page-01", "page-02", "page-03", "page-04", "page-05"]);
    const bad = await call("POST", `/registrations/fleet/query?${API}`, {
      headers: { "x-ms-continuation": "not a token!" },
    });
    expect(bad.status).toBe(400);
  });

  it("gets a registration state in the service shape (no enrollment group inside), and deletes it only under its own etag", async () => {
    await registerAndWait(emulator, "doomed-device", fleetToken("doomed-device"));
    const state = await call("GET", `/registrations/doomed-device?${API}`);
    expect(state.status).toBe(200);
    expect(state.json).toMatchObject({
      registrationId: "doomed-device",
      status: "assigned",
      deviceId: "doomed-device",
      etag: expect.any(String),
    });
    expect(state.json).not.toHaveProperty("symmetricKey");
    const etag = (state.json as { etag: string }).etag;

    const stale = await call("DELETE", `/registrations/doomed-device?${API}`, {
      headers: { "if-match": '"some-older-etag"' },
    });
    expect(stale.status).toBe(412);
    expect(stale.json).toMatchObject({ errorCode: 412002 });
    expect(emulator.admin.getRegistration("doomed-device")).toBeDefined();

    const deleted = await call("DELETE", `/registrations/doomed-device?${API}`, {
      headers: { "if-match": etag },
    });
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe("");
    expect(emulator.admin.getRegistration("doomed-device")).toBeUndefined();
    expect((await call("GET", `/registrations/doomed-device?${API}`)).json).toMatchObject({
      errorCode: 404201,
    });
    expect((await call("DELETE", `/registrations/doomed-device?${API}`)).status).toBe(404);
  });

  it("lets each policy do only what its rights allow: a read-only policy reads and is refused on delete", async () => {
    emulator.admin.addRegistrations({ registrationId: "kept-device" });
    expect((await call("GET", `/registrations/kept-device?${API}`, { policy: READER_POLICY })).status).toBe(
      200,
    );
    expect(
      (await call("POST", `/enrollmentGroups/query?${API}`, { policy: READER_POLICY, body: { query: "*" } }))
        .status,
    ).toBe(200);
    const refused = await call("DELETE", `/registrations/kept-device?${API}`, { policy: READER_POLICY });
    expect(refused.status).toBe(401);
    expect(refused.json).toMatchObject({
      errorCode: 401002,
      message: expect.stringContaining("registrationStatusWrite"),
    });
    expect(emulator.admin.getRegistration("kept-device")).toBeDefined();
  });

  it("refuses a missing, expired, foreign-host or wrong-key token with 401 and a missing api-version with 400", async () => {
    const path = `/enrollmentGroups/fleet?${API}`;
    expect(
      (await rawRequest(emulator, "GET", path, { headers: { host: `localhost:${emulator.port}` } })).status,
    ).toBe(401);
    expect(
      (
        await call("GET", path, {
          token: serviceToken(emulator, OWNER_POLICY, Math.floor(Date.now() / 1000) - 1),
        })
      ).status,
    ).toBe(401);
    const foreign = SharedAccessSignature.create(
      "elsewhere.azure-devices-provisioning.net",
      OWNER_POLICY.name,
      OWNER_POLICY.primaryKey,
      Math.floor(Date.now() / 1000) + 60,
    );
    expect((await call("GET", path, { token: foreign.toString() })).status).toBe(401);
    expect(
      (await call("GET", path, { policy: { ...OWNER_POLICY, primaryKey: READER_POLICY.primaryKey } })).status,
    ).toBe(401);
    expect(
      (await call("GET", path, { policy: { ...OWNER_POLICY, primaryKey: OWNER_POLICY.secondaryKey } }))
        .status,
    ).toBe(200);
    expect((await call("GET", "/enrollmentGroups/fleet")).json).toMatchObject({ errorCode: 400001 });
  });

  it("counts service calls against the operations quota, answering 429 with Retry-After", async () => {
    emulator.admin.setQuotas({ registrationsPerMinute: 0, operationsPerMinute: 2, pollsPer10sPerDevice: 0 });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i += 1)
        statuses.push((await call("GET", `/enrollmentGroups/fleet?${API}`)).status);
      expect(statuses).toEqual([200, 200, 429]);
      expect(emulator.admin.counters().byEndpoint.service.byStatus).toMatchObject({ "200": 2, "429": 1 });
    } finally {
      emulator.admin.setQuotas({
        registrationsPerMinute: 0,
        operationsPerMinute: 0,
        pollsPer10sPerDevice: 0,
      });
    }
  });

  it("adds records made outside the app through the admin API, refusing bad ones with the field named", async () => {
    const added = await rawRequest(emulator, "POST", "/_emulator/registrations", {
      body: [
        { registrationId: "outside-1" },
        { registrationId: "outside-2", status: "failed", errorCode: 400207 },
      ],
    });
    expect(added.status).toBe(201);
    expect(emulator.admin.getRegistration("outside-1")).toMatchObject({
      enrollmentGroupId: "fleet",
      status: "assigned",
      deviceId: "outside-1",
      assignedHub: expect.stringMatching(/^hub-/),
    });
    expect(emulator.admin.getRegistration("outside-2")).toMatchObject({
      status: "failed",
      errorCode: 400207,
    });
    const refused = await rawRequest(emulator, "POST", "/_emulator/registrations", {
      body: { registrationId: "bad id!" },
    });
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({
      message: "registration: registrationId: must be a valid registration ID (letters, digits and - . _ :)",
    });
    const generated = await rawRequest(emulator, "POST", "/_emulator/registrations/generate", {
      body: { prefix: "gen-", count: 1000 },
    });
    expect(generated.json).toEqual({ added: 1000 });
    expect(emulator.admin.listRegistrations({ prefix: "gen-", top: 1 }).total).toBe(1000);
  });
});
