import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { isLoopbackAddress } from "./admin-api";
import {
  fleetToken,
  HUB_A,
  rawRequest,
  registerAndWait,
  registerPath,
  startTestEmulator,
  type TestEmulator,
} from "@/tests/support/dps-emulator";

describe("admin API address check", () => {
  it.each(["127.0.0.1", "127.5.6.7", "::1", "::ffff:127.0.0.1"])("lets loopback %s in", (address) => {
    expect(isLoopbackAddress(address)).toBe(true);
  });

  it.each(["10.0.0.5", "192.168.1.20", "::ffff:10.0.0.5", "fe80::1", "128.0.0.1", "", undefined])(
    "refuses %s",
    (address) => {
      expect(isLoopbackAddress(address)).toBe(false);
    },
  );
});

describe("admin API", () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(() => emulator.dispose());

  it("counts device requests by endpoint and status, and throttled answers", async () => {
    emulator.admin.reset();
    emulator.admin.setQuotas({ registrationsPerMinute: 1, operationsPerMinute: 0, pollsPer10sPerDevice: 0 });
    await registerAndWait(emulator, "counted-device", fleetToken("counted-device"));
    await rawRequest(emulator, "PUT", registerPath("counted-device"), {
      token: fleetToken("someone-else"),
      body: { registrationId: "counted-device" },
    });
    await rawRequest(emulator, "GET", "/not-a-route");
    await rawRequest(emulator, "PUT", registerPath("counted-device"), {
      token: fleetToken("counted-device"),
      body: { registrationId: "counted-device" },
    });
    emulator.admin.setQuotas({ registrationsPerMinute: 0, operationsPerMinute: 0, pollsPer10sPerDevice: 0 });

    const counters = (await rawRequest(emulator, "GET", "/_emulator/counters")).json;

    expect(counters).toMatchObject({
      total: 5,
      throttled: 1,
      byEndpoint: {
        register: { total: 3, byStatus: { "202": 1, "401": 1, "429": 1 } },
        operation: { total: 1, byStatus: { "200": 1 } },
        status: { total: 0 },
        other: { total: 1, byStatus: { "404": 1 } },
      },
    });
  });

  it("lists registrations by prefix, page by page, and shows one by id", async () => {
    emulator.admin.reset();
    for (const id of ["line-a-1", "line-a-2", "line-a-3", "line-b-1"])
      await registerAndWait(emulator, id, fleetToken(id));

    const first = (await rawRequest(emulator, "GET", "/_emulator/registrations?prefix=line-a&top=2"))
      .json as { items: { registrationId: string }[]; continuationToken: string | null; total: number };
    expect(first.items.map((item) => item.registrationId)).toEqual(["line-a-1", "line-a-2"]);
    expect(first.total).toBe(3);
    const second = (
      await rawRequest(
        emulator,
        "GET",
        `/_emulator/registrations?prefix=line-a&top=2&continuationToken=${first.continuationToken}`,
      )
    ).json as typeof first;
    expect(second.items.map((item) => item.registrationId)).toEqual(["line-a-3"]);
    expect(second.continuationToken).toBeNull();

    const one = await rawRequest(emulator, "GET", "/_emulator/registrations/LINE-B-1");
    expect(one.json).toMatchObject({
      registrationId: "line-b-1",
      enrollmentGroupId: "fleet",
      status: "assigned",
    });
    expect((await rawRequest(emulator, "GET", "/_emulator/registrations/nobody")).status).toBe(404);
  });

  it("shows the configuration without group keys and validates changes", async () => {
    const config = await rawRequest(emulator, "GET", "/_emulator/config");
    expect(config.text).not.toContain("primaryKey");
    expect(config.text).not.toContain(emulator.config.enrollmentGroups[0]?.primaryKey);

    const refused = await rawRequest(emulator, "PATCH", "/_emulator/config", {
      body: { linkedHubs: [{ name: HUB_A, allocationWeight: 5000 }] },
    });
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({
      message: "config: linkedHubs[0].allocationWeight: must be 1 to 1000",
    });

    const accepted = await rawRequest(emulator, "PATCH", "/_emulator/config", {
      body: { retryAfterSeconds: 7 },
    });
    expect(accepted.json).toMatchObject({ retryAfterSeconds: 7 });
    const put = await rawRequest(emulator, "PUT", registerPath("after-patch"), {
      token: fleetToken("after-patch"),
      body: { registrationId: "after-patch" },
    });
    expect(put.headers["retry-after"]).toBe("7");
  });

  it("changes quotas and faults with PUT (replace) and PATCH (merge), refusing bad values", async () => {
    expect(
      (await rawRequest(emulator, "PUT", "/_emulator/quotas", { body: { pollsPer10sPerDevice: 2 } })).json,
    ).toEqual({
      registrationsPerMinute: 1000,
      operationsPerMinute: 1000,
      pollsPer10sPerDevice: 2,
    });
    expect(
      (await rawRequest(emulator, "PATCH", "/_emulator/quotas", { body: { operationsPerMinute: null } }))
        .json,
    ).toMatchObject({
      operationsPerMinute: null,
      pollsPer10sPerDevice: 2,
    });
    const badRate = await rawRequest(emulator, "PATCH", "/_emulator/faults", {
      body: { serverErrorRate: 2 },
    });
    expect(badRate.status).toBe(400);
    expect(badRate.json).toMatchObject({ message: "faults: serverErrorRate: must be between 0 and 1" });
    expect(
      (await rawRequest(emulator, "PATCH", "/_emulator/faults", { body: { extraLatencyMs: 5 } })).json,
    ).toMatchObject({ extraLatencyMs: 5 });
    await rawRequest(emulator, "PUT", "/_emulator/faults", { body: {} });
  });

  it("resets registrations and counters, and optionally the startup configuration", async () => {
    await registerAndWait(emulator, "to-forget", fleetToken("to-forget"));
    await emulator.admin.patchConfig({ retryAfterSeconds: 9 });

    await rawRequest(emulator, "POST", "/_emulator/reset");
    expect(emulator.admin.listRegistrations().total).toBe(0);
    expect(emulator.admin.counters().total).toBe(0);
    expect(emulator.config.retryAfterSeconds).toBe(9);

    await rawRequest(emulator, "POST", "/_emulator/reset", { body: { restoreStartupConfig: true } });
    expect(emulator.config.retryAfterSeconds).toBe(0);
  });

  it("answers unknown admin routes with 404", async () => {
    expect((await rawRequest(emulator, "DELETE", "/_emulator/registrations")).status).toBe(404);
  });
});
