import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import {
  FLEET_GROUP,
  fleetToken,
  HUB_A,
  HUB_B,
  registerAndWait,
  startTestEmulator,
  testConfig,
  type TestEmulator,
} from "@/tests/support/dps-emulator";

type WebhookBehaviour = (body: Record<string, unknown>, response: ServerResponse) => void;

describe("custom allocation webhook", () => {
  let webhook: Server;
  let webhookUrl: string;
  let behaviour: WebhookBehaviour;
  const received: Record<string, unknown>[] = [];
  let emulator: TestEmulator;

  beforeAll(async () => {
    webhook = createServer((request: IncomingMessage, response: ServerResponse) => {
      let text = "";
      request.on("data", (chunk: Buffer) => (text += chunk.toString()));
      request.on("end", () => {
        const body = JSON.parse(text) as Record<string, unknown>;
        received.push(body);
        behaviour(body, response);
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
    webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/allocate`;
    emulator = await startTestEmulator({
      ...testConfig(),
      webhookTimeoutMs: 300,
      enrollmentGroups: [
        { ...FLEET_GROUP, allocationPolicy: "custom", customAllocationWebhookUrl: webhookUrl },
      ],
    });
  });
  afterAll(async () => {
    await emulator.dispose();
    webhook.closeAllConnections();
    await new Promise((resolve) => webhook.close(resolve));
  });
  beforeEach(() => {
    received.length = 0;
  });

  const answer =
    (status: number, body: unknown): WebhookBehaviour =>
    (_body, response) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(typeof body === "string" ? body : JSON.stringify(body));
    };

  it("assigns the hub the webhook chooses and hands its payload to the device", async () => {
    behaviour = answer(200, { iotHubHostName: HUB_A, initialTwin: {}, payload: { firmwareChannel: "beta" } });
    const registrationId = "custom-device-01";

    const result = await registerAndWait(emulator, registrationId, fleetToken(registrationId), {
      payload: { modelId: "dtmi:x;1" },
    });

    expect(result).toMatchObject({
      status: "assigned",
      registrationState: { assignedHub: HUB_A, payload: { firmwareChannel: "beta" } },
    });
    expect(received[0]).toMatchObject({
      enrollmentGroup: { enrollmentGroupId: "fleet", allocationPolicy: "custom" },
      deviceRuntimeContext: { registrationId, symmetricKey: {}, payload: { modelId: "dtmi:x;1" } },
      linkedHubs: [HUB_A, HUB_B],
    });
    expect(received[0]?.deviceRuntimeContext).not.toHaveProperty("currentIotHubHostName");
    expect(JSON.stringify(received[0])).not.toContain("primaryKey");
  });

  it("tells the webhook the current hub and device on re-registration", async () => {
    behaviour = answer(200, { iotHubHostName: HUB_A });
    const registrationId = "custom-device-02";
    await registerAndWait(emulator, registrationId, fleetToken(registrationId));
    behaviour = answer(200, { iotHubHostName: HUB_B });

    const again = await registerAndWait(emulator, registrationId, fleetToken(registrationId));

    expect(received[1]?.deviceRuntimeContext).toMatchObject({
      currentIotHubHostName: HUB_A,
      currentDeviceId: registrationId,
    });
    expect(again.registrationState).toMatchObject({ assignedHub: HUB_B, substatus: "deviceDataMigrated" });
  });

  it.each([
    ["an HTTP error", answer(500, { error: "boom" }), /HTTP 500/],
    [
      "a hub that is not linked",
      answer(200, { iotHubHostName: "rogue.azure-devices.net" }),
      /not a linked hub/,
    ],
    ["no hub at all", answer(200, { payload: {} }), /no iotHubHostName/],
    ["a body that is not JSON", answer(200, "<html>"), /not JSON/],
    ["no answer within the timeout", () => undefined, /did not answer within 300 ms/],
  ])("fails the operation with 400207 for %s", async (_case, failingBehaviour, reason) => {
    behaviour = failingBehaviour;
    const registrationId = `custom-fail-${received.length}-${Date.now()}`;

    const result = await registerAndWait(emulator, registrationId, fleetToken(registrationId));

    expect(result).toMatchObject({
      status: "failed",
      registrationState: { status: "failed", errorCode: 400207 },
    });
    expect(String(result.registrationState?.errorMessage)).toMatch(/^Custom allocation failed: /);
    expect(String(result.registrationState?.errorMessage)).toMatch(reason);
  });
});
