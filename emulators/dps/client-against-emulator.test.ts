import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import {
  createDpsClient,
  createDpsFetch,
  deriveDeviceKey,
  type DpsClientOptions,
  type RegisterResult,
} from "@/lib/dps";

import { allocateHub } from "./allocation";
import { parseEmulatorConfig } from "./config";
import {
  DISABLED_GROUP_KEY,
  FLEET_PRIMARY_KEY,
  HUB_A,
  HUB_B,
  startTestEmulator,
  testConfig,
  type TestEmulator,
} from "@/tests/support/dps-emulator";

/**
 * The app's DPS client (lib/dps) against the emulator over real HTTPS. Client and emulator share one
 * fake clock that the client's sleeps advance, so Retry-After pauses and quota windows cost no time.
 */
describe("lib/dps client against the emulator", () => {
  let emulator: TestEmulator;
  let webhook: Server;
  let webhookAnswer: { status: number; body: unknown } = { status: 200, body: {} };
  let clock = Date.now();
  let scriptedRandom: number[] = [];

  beforeAll(async () => {
    webhook = createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        response.writeHead(webhookAnswer.status, { "content-type": "application/json" });
        response.end(JSON.stringify(webhookAnswer.body));
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
    const webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/allocate`;
    const base = testConfig();
    emulator = await startTestEmulator(
      {
        ...base,
        retryAfterSeconds: 1,
        enrollmentGroups: [
          ...base.enrollmentGroups,
          {
            enrollmentGroupId: "custom",
            primaryKey: Buffer.alloc(48, 3).toString("base64"),
            secondaryKey: Buffer.alloc(48, 4).toString("base64"),
            allocationPolicy: "custom",
            customAllocationWebhookUrl: webhookUrl,
          },
        ],
      },
      { now: () => clock, random: () => scriptedRandom.shift() ?? 0.99 },
    );
  });
  afterAll(async () => {
    await emulator.dispose();
    webhook.closeAllConnections();
    await new Promise((resolve) => webhook.close(resolve));
  });
  beforeEach(() => {
    emulator.admin.reset({ restoreStartupConfig: true });
    scriptedRandom = [];
  });

  function client(options: DpsClientOptions = {}) {
    return createDpsClient({
      fetch: createDpsFetch({ caPem: emulator.caPem }),
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
      ...options,
    });
  }

  function register(
    registrationId: string,
    groupKey = FLEET_PRIMARY_KEY,
    options: DpsClientOptions = {},
  ): Promise<RegisterResult> {
    return client(options).register({
      connection: { idScope: emulator.idScope, host: `127.0.0.1:${emulator.port}` },
      registrationId,
      deviceKey: deriveDeviceKey(groupKey, registrationId),
    });
  }

  it("provisions a device onto the hub hashed allocation picks", async () => {
    const result = await register("client-device-001");

    const expectedHub = allocateHub(
      "hashed",
      parseEmulatorConfig(testConfig()).linkedHubs,
      "client-device-001",
    )?.name;
    expect(result).toMatchObject({
      kind: "assigned",
      assignedHub: expectedHub,
      deviceId: "client-device-001",
      substatus: "initialAssignment",
    });
  });

  it("reports the re-registration substatus, including a move to another hub", async () => {
    const hubs = parseEmulatorConfig(testConfig()).linkedHubs;
    let registrationId = "client-mover-0";
    for (let index = 1; allocateHub("hashed", hubs, registrationId)?.name !== HUB_A; index += 1)
      registrationId = `client-mover-${index}`;
    await register(registrationId);

    expect(await register(registrationId)).toMatchObject({
      kind: "assigned",
      assignedHub: HUB_A,
      substatus: "reprovisionedToInitialAssignment",
    });
    emulator.admin.patchConfig({
      linkedHubs: [{ name: HUB_A, applyAllocationPolicy: false }, { name: HUB_B }],
    });
    expect(await register(registrationId)).toMatchObject({
      kind: "assigned",
      assignedHub: HUB_B,
      substatus: "deviceDataMigrated",
    });
  });

  it("returns unauthorized with DPS error 401002 for a key no group holds", async () => {
    const result = await register("client-intruder", Buffer.alloc(32, 5).toString("base64"));
    expect(result).toMatchObject({ kind: "unauthorized", httpStatus: 401, dpsErrorCode: 401002 });
  });

  it("returns disabled for a device of a disabled enrollment group", async () => {
    expect(await register("client-retired", DISABLED_GROUP_KEY)).toMatchObject({ kind: "disabled" });
  });

  it("gets the hub and payload a custom allocation webhook chooses, and failed/400207 when it breaks", async () => {
    const customKey = Buffer.alloc(48, 3).toString("base64");
    webhookAnswer = { status: 200, body: { iotHubHostName: HUB_B, payload: { site: "plant-7" } } };
    expect(await register("client-custom-ok", customKey)).toMatchObject({
      kind: "assigned",
      assignedHub: HUB_B,
      payload: { site: "plant-7" },
    });

    webhookAnswer = { status: 500, body: { error: "down" } };
    expect(await register("client-custom-broken", customKey)).toMatchObject({
      kind: "failed",
      errorCode: 400207,
    });
  });

  it("waits out a 429 and then succeeds", async () => {
    emulator.admin.setQuotas({ registrationsPerMinute: 1, operationsPerMinute: 0, pollsPer10sPerDevice: 0 });
    await register("client-quota-first");
    const startedAt = clock;

    const result = await register("client-quota-second");

    expect(result).toMatchObject({ kind: "assigned" });
    expect(clock - startedAt).toBeGreaterThanOrEqual(59_000);
    expect(emulator.admin.counters().throttled).toBe(1);
  });

  it("retries a 5xx and then succeeds", async () => {
    emulator.admin.setFaults({ serverErrorRate: 0.5 });
    scriptedRandom = [0, 0];

    const result = await register("client-after-500");

    expect(result).toMatchObject({ kind: "assigned" });
    expect(emulator.admin.counters().byEndpoint.register.byStatus).toMatchObject({ "500": 1, "202": 1 });
  });

  it("gives up with a transient timeout when the emulator answers slower than the request timeout", async () => {
    emulator.admin.setFaults({ extraLatencyMs: 400 });

    const result = await register("client-too-slow", FLEET_PRIMARY_KEY, {
      requestTimeoutMs: 100,
      retryPolicy: { maxAttempts: 2 },
    });

    expect(result).toMatchObject({ kind: "transient", cause: "timeout" });
  });

  it("treats an unparsable body as transient/malformed, and recovers when it happens once", async () => {
    emulator.admin.setFaults({ malformedRate: 1 });
    expect(
      await register("client-garbled", FLEET_PRIMARY_KEY, { retryPolicy: { maxAttempts: 2 } }),
    ).toMatchObject({ kind: "transient", cause: "malformed" });

    emulator.admin.setFaults({ malformedRate: 0.5 });
    scriptedRandom = [0];
    expect(await register("client-garbled-once")).toMatchObject({ kind: "assigned" });
  });
});
