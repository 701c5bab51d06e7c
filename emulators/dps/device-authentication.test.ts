import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { deriveDeviceKey } from "@/lib/dps/derive-device-key";

import {
  DISABLED_GROUP_KEY,
  FLEET_SECONDARY_KEY,
  fleetToken,
  rawRequest,
  registerAndWait,
  registerPath,
  signRegistrationToken,
  startTestEmulator,
  statusPath,
  TEST_ID_SCOPE,
  type TestEmulator,
} from "@/tests/support/dps-emulator";

describe("registration SAS verification", () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(() => emulator.dispose());

  async function expectUnauthorized(path: string, token: string | undefined, registrationId: string) {
    const response = await rawRequest(emulator, "PUT", path, { token, body: { registrationId } });
    expect(response.status).toBe(401);
    expect(response.json).toMatchObject({ errorCode: 401002 });
    expect(response.headers["x-ms-error-code"]).toBe("401002");
  }

  it.each(["raw", "upper", "lower"] as const)("accepts a token whose sr is %s-encoded", async (encoding) => {
    const registrationId = `sr-${encoding}:device_01`;
    const result = await registerAndWait(emulator, registrationId, fleetToken(registrationId, { encoding }));
    expect(result.status).toBe("assigned");
  });

  it("accepts a key derived from the group secondary key", async () => {
    const registrationId = "secondary-key-device";
    const result = await registerAndWait(
      emulator,
      registrationId,
      fleetToken(registrationId, { key: FLEET_SECONDARY_KEY }),
    );
    expect(result).toMatchObject({
      status: "assigned",
      registrationState: { symmetricKey: { enrollmentGroupId: "fleet" } },
    });
  });

  it("refuses a key derived from a key no group holds", async () => {
    await expectUnauthorized(
      registerPath("wrong-key"),
      fleetToken("wrong-key", { key: Buffer.alloc(32, 9).toString("base64") }),
      "wrong-key",
    );
  });

  it("refuses the group key itself used as a device key", async () => {
    const token = signRegistrationToken(TEST_ID_SCOPE, "group-key-device", FLEET_SECONDARY_KEY);
    await expectUnauthorized(registerPath("group-key-device"), token, "group-key-device");
  });

  it("refuses an unknown ID scope even with a valid signature for it", async () => {
    const token = signRegistrationToken(
      "0ne99999999",
      "scope-device",
      deriveDeviceKey(FLEET_SECONDARY_KEY, "scope-device"),
    );
    await expectUnauthorized(registerPath("scope-device", "0ne99999999"), token, "scope-device");
  });

  it("refuses an expired token", async () => {
    const token = fleetToken("expired-device", { expiry: Math.floor(Date.now() / 1000) - 1 });
    await expectUnauthorized(registerPath("expired-device"), token, "expired-device");
  });

  it("refuses a valid token made for another device", async () => {
    await expectUnauthorized(registerPath("victim-device"), fleetToken("attacker-device"), "victim-device");
  });

  it("refuses a token with another policy name and a request without a token", async () => {
    const token = fleetToken("policy-device").replace("skn=registration", "skn=provisioningserviceowner");
    await expectUnauthorized(registerPath("policy-device"), token, "policy-device");
    await expectUnauthorized(registerPath("policy-device"), undefined, "policy-device");
  });

  it("requires the device's token for its operation and status lookups", async () => {
    const registrationId = "lookup-owner";
    const result = await registerAndWait(emulator, registrationId, fleetToken(registrationId));
    const foreignToken = fleetToken("someone-else");

    const poll = await rawRequest(
      emulator,
      "GET",
      `/${TEST_ID_SCOPE}/registrations/${registrationId}/operations/${result.operationId}?api-version=2021-10-01`,
      { token: foreignToken },
    );
    const status = await rawRequest(emulator, "POST", statusPath(registrationId), {
      token: foreignToken,
      body: { registrationId },
    });

    expect([poll.status, status.status]).toEqual([401, 401]);
  });

  it("ends a registration through a disabled group with status disabled", async () => {
    const registrationId = "retired-device";
    const token = signRegistrationToken(
      TEST_ID_SCOPE,
      registrationId,
      deriveDeviceKey(DISABLED_GROUP_KEY, registrationId),
    );

    const result = await registerAndWait(emulator, registrationId, token);

    expect(result).toMatchObject({
      status: "disabled",
      registrationState: { registrationId, status: "disabled" },
    });
    expect(result.registrationState).not.toHaveProperty("assignedHub");
  });
});
