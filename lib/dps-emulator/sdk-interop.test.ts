import { Http as HttpBase } from "azure-iot-http-base";
import { ProvisioningDeviceClient } from "azure-iot-provisioning-device";
import { Http as ProvisioningHttp } from "azure-iot-provisioning-device-http";
import { SymmetricKeySecurityClient } from "azure-iot-security-symmetric-key";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { deriveDeviceKey } from "@/lib/dps/derive-device-key";

import { allocateHub } from "./allocation";
import { parseEmulatorConfig } from "./config";
import { FLEET_PRIMARY_KEY, FLEET_SECONDARY_KEY, startTestEmulator, testConfig, type TestEmulator } from "./test-support";

/**
 * The official transport has no port option and passes the host straight to https.request (protocol
 * notes 1.10), so the request builder adds the emulator's port; the CA goes through setOptions.
 */
class EmulatorRequestBuilder extends HttpBase {
  constructor(private readonly port: number) {
    super();
  }

  override buildRequest(...args: Parameters<HttpBase["buildRequest"]>): ReturnType<HttpBase["buildRequest"]> {
    const [method, path, headers, host, options, done] = args;
    const callback = typeof options === "function" ? options : done;
    return super.buildRequest(method, path, headers, host, { port: this.port }, callback);
  }
}

function officialClient(emulator: TestEmulator, registrationId: string, deviceKey: string) {
  const requestBuilder = new EmulatorRequestBuilder(emulator.port);
  requestBuilder.setOptions({ ca: emulator.caPem });
  // Each SDK package pins its own copy of azure-iot-common, so their declared types differ while the objects fit.
  const transport = new ProvisioningHttp(requestBuilder as unknown as ConstructorParameters<typeof ProvisioningHttp>[0]);
  const security = new SymmetricKeySecurityClient(registrationId, deviceKey) as unknown as Parameters<typeof ProvisioningDeviceClient.create>[3];
  return ProvisioningDeviceClient.create("127.0.0.1", emulator.idScope, transport, security);
}

describe("official Azure IoT Node SDK against the emulator", () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator(testConfig({ retryAfterSeconds: 1, assignmentDelayMs: 200 }));
  });
  afterAll(() => emulator.dispose());

  it("provisions a device with a key derived from the group primary key onto the hashed hub", async () => {
    const registrationId = "sdk-device-001";
    const client = officialClient(emulator, registrationId, deriveDeviceKey(FLEET_PRIMARY_KEY, registrationId));

    const result = await client.register();

    const expectedHub = allocateHub("hashed", parseEmulatorConfig(testConfig()).linkedHubs, registrationId)?.name;
    expect(result).toMatchObject({
      registrationId,
      deviceId: registrationId,
      status: "assigned",
      substatus: "initialAssignment",
      assignedHub: expectedHub,
    });
    expect(emulator.admin.getRegistration(registrationId)?.assignedHub).toBe(expectedHub);
  });

  it("provisions a device whose key is derived from the group secondary key", async () => {
    const registrationId = "sdk-device-secondary";
    const client = officialClient(emulator, registrationId, deriveDeviceKey(FLEET_SECONDARY_KEY, registrationId));

    await expect(client.register()).resolves.toMatchObject({ status: "assigned", deviceId: registrationId });
  });

  it("reports re-registration of the same device as reprovisionedToInitialAssignment", async () => {
    const registrationId = "sdk-device-again";
    const deviceKey = deriveDeviceKey(FLEET_PRIMARY_KEY, registrationId);
    const first = await officialClient(emulator, registrationId, deviceKey).register();
    const second = await officialClient(emulator, registrationId, deviceKey).register();

    expect(second).toMatchObject({ substatus: "reprovisionedToInitialAssignment", assignedHub: first?.assignedHub });
    expect(second?.createdDateTimeUtc).toBe(first?.createdDateTimeUtc);
  });

  it("makes the SDK fail with UnauthorizedError for a key from no group", async () => {
    const registrationId = "sdk-device-intruder";
    const client = officialClient(emulator, registrationId, deriveDeviceKey(Buffer.alloc(32, 1).toString("base64"), registrationId));

    await expect(client.register()).rejects.toMatchObject({ name: "UnauthorizedError" });
  });
});
