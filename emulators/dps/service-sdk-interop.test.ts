import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createDpsClient, createDpsFetch, deriveDeviceKey } from "@/lib/dps";

import { officialServiceSdkClient } from "./official-service-sdk-client";
import {
  FLEET_PRIMARY_KEY,
  READER_POLICY,
  serviceConnectionString,
  startTestEmulator,
  testConfig,
  type TestEmulator,
} from "@/tests/support/dps-emulator";

type SdkError = Error & { response?: { statusCode: number }; responseBody?: string };

describe("the official azure-iot-provisioning-service SDK against the emulator", () => {
  let emulator: TestEmulator;
  const created = ["app-device-01", "app-device-02", "app-device-03", "app-device-04", "app-device-05"];

  beforeAll(async () => {
    emulator = await startTestEmulator(testConfig());
    // The registrations the app makes: its own DPS client, keys derived from the group key.
    const app = createDpsClient({
      fetch: createDpsFetch({ caPem: emulator.caPem }),
      retryPolicy: { maxAttempts: 2 },
    });
    for (const registrationId of created) {
      const result = await app.register({
        connection: { idScope: emulator.idScope, host: `localhost:${emulator.port}` },
        registrationId,
        deviceKey: deriveDeviceKey(FLEET_PRIMARY_KEY, registrationId),
      });
      expect(result.kind).toBe("assigned");
    }
  });
  afterAll(() => emulator?.dispose());

  // query.next() with no argument sends no continuation token (it would ask for page one forever):
  // the SDK's callers pass the token the previous page left in query.continuationToken.
  it("lists the group's registration states the app created, page by page with query.next(continuationToken)", async () => {
    const sdk = officialServiceSdkClient(serviceConnectionString(emulator), emulator.caPem);
    const query = sdk.createEnrollmentGroupDeviceRegistrationStateQuery({ query: "*" }, "fleet", 2);
    const seen: string[] = [];
    let pages = 0;
    while (query.hasMoreResults) {
      const page = await query.next(query.continuationToken);
      seen.push(
        ...(page.responseBody as unknown as { registrationId: string }[]).map(
          (state) => state.registrationId,
        ),
      );
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(created);
  });

  it("gets one registration state and deletes it with its etag", async () => {
    const sdk = officialServiceSdkClient(serviceConnectionString(emulator), emulator.caPem);
    const { responseBody: state } = await sdk.getDeviceRegistrationState("app-device-03");
    expect(state).toMatchObject({
      registrationId: "app-device-03",
      status: "assigned",
      deviceId: "app-device-03",
      assignedHub: expect.stringMatching(/^hub-/),
    });

    await sdk.deleteDeviceRegistrationState("app-device-03", state.etag!);
    expect(emulator.admin.getRegistration("app-device-03")).toBeUndefined();
    await expect(sdk.getDeviceRegistrationState("app-device-03")).rejects.toMatchObject({
      response: { statusCode: 404 },
    });
  });

  it("is refused on delete with a read-only policy, and the record stays", async () => {
    const reader = officialServiceSdkClient(serviceConnectionString(emulator, READER_POLICY), emulator.caPem);
    await expect(reader.getDeviceRegistrationState("app-device-04")).resolves.toMatchObject({
      responseBody: { registrationId: "app-device-04" },
    });
    const error = (await reader
      .deleteDeviceRegistrationState("app-device-04")
      .catch((e: unknown) => e)) as SdkError;
    expect(error.name).toBe("UnauthorizedError");
    expect(error.response?.statusCode).toBe(401);
    expect(JSON.parse(error.responseBody ?? "{}")).toMatchObject({
      errorCode: 401002,
      trackingId: expect.any(String),
      timestampUtc: expect.any(String),
    });
    expect(emulator.admin.getRegistration("app-device-04")).toBeDefined();
  });

  it("gets and queries enrollment groups", async () => {
    const sdk = officialServiceSdkClient(serviceConnectionString(emulator), emulator.caPem);
    const { responseBody: group } = await sdk.getEnrollmentGroup("fleet");
    expect(group).toMatchObject({
      enrollmentGroupId: "fleet",
      allocationPolicy: "hashed",
      provisioningStatus: "enabled",
      attestation: { type: "symmetricKey" },
    });
    const query = sdk.createEnrollmentGroupQuery({ query: "*" }, 1);
    const ids: string[] = [];
    while (query.hasMoreResults)
      ids.push(
        ...(
          (await query.next(query.continuationToken)).responseBody as unknown as {
            enrollmentGroupId: string;
          }[]
        ).map((g) => g.enrollmentGroupId),
      );
    expect(ids).toEqual(["fleet", "retired"]);
  });
});
