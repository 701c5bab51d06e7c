import { describe, expect, it } from "vitest";
import vectors from "./fixtures/dps-vectors.json";
import { createScriptedDps, dpsError, jsonReply } from "../../tests/support/scripted-dps";

const connection = { idScope: "0ne00000A0A", host: "dps.example.test" };
const lookup = { connection, registrationId: "device-001", deviceKey: vectors.deviceKeys[0]!.deviceKey };

const registrationState = {
  registrationId: "device-001",
  createdDateTimeUtc: "2024-05-01T10:00:00.1234567Z",
  assignedHub: "hub-a.azure-devices.net",
  deviceId: "device-001",
  status: "assigned",
  substatus: "reprovisionedToInitialAssignment",
  lastUpdatedDateTimeUtc: "2024-05-02T10:00:00.1234567Z",
  etag: "IjAwMDAi",
};

describe("lookupStatus", () => {
  it("POSTs the registration ID and reads the bare registration state", async () => {
    const dps = createScriptedDps([jsonReply(200, registrationState)]);
    const result = await dps.client.lookupStatus(lookup);
    expect(result).toEqual({
      kind: "registered",
      registrationId: "device-001",
      status: "assigned",
      substatus: "reprovisionedToInitialAssignment",
      assignedHub: "hub-a.azure-devices.net",
      deviceId: "device-001",
      etag: "IjAwMDAi",
      createdDateTimeUtc: "2024-05-01T10:00:00.1234567Z",
      lastUpdatedDateTimeUtc: "2024-05-02T10:00:00.1234567Z",
      errorCode: null,
      errorMessage: null,
      payload: null,
      httpStatus: 200,
      dpsErrorCode: null,
      message: null,
      trackingId: null,
      attempts: 1,
      durationMs: 0,
    });
    const [request] = dps.requests;
    expect(request).toMatchObject({
      method: "POST",
      url: "https://dps.example.test/0ne00000A0A/registrations/device-001?api-version=2021-10-01",
      body: { registrationId: "device-001" },
    });
  });

  it("reports a failed registration's error code and message", async () => {
    const dps = createScriptedDps([
      jsonReply(200, {
        registrationId: "device-001",
        status: "failed",
        errorCode: 400209,
        errorMessage: "No hub",
      }),
    ]);
    expect(await dps.client.lookupStatus(lookup)).toMatchObject({
      kind: "registered",
      status: "failed",
      assignedHub: null,
      errorCode: 400209,
      errorMessage: "No hub",
      dpsErrorCode: 400209,
      message: "No hub",
    });
  });

  it("reads 404 as not registered, keeping DPS's evidence", async () => {
    const dps = createScriptedDps([dpsError(404, 404202, "Registration not found")]);
    expect(await dps.client.lookupStatus(lookup)).toEqual({
      kind: "not-registered",
      httpStatus: 404,
      dpsErrorCode: 404202,
      message: "Registration not found",
      trackingId: "track-404202",
      attempts: 1,
      durationMs: 0,
    });
  });

  it("reads 401 as unauthorized without retrying", async () => {
    const dps = createScriptedDps([dpsError(401, 401002, "Unauthorized")]);
    expect(await dps.client.lookupStatus(lookup)).toMatchObject({
      kind: "unauthorized",
      dpsErrorCode: 401002,
      attempts: 1,
    });
  });

  it("retries a 503 and a 429 like register does", async () => {
    const dps = createScriptedDps([
      dpsError(503, 0, "busy"),
      dpsError(429, 429001, "slow down", { "Retry-After": "5" }),
      jsonReply(200, registrationState),
    ]);
    expect(await dps.client.lookupStatus(lookup)).toMatchObject({ kind: "registered", attempts: 3 });
    expect(dps.sleeps).toEqual([750, 5_000]);
  });

  it("reports a state without a known status as transient malformed", async () => {
    const dps = createScriptedDps(
      () => jsonReply(200, { registrationId: "device-001", status: "sideways" }),
      {
        retryPolicy: { maxAttempts: 1 },
      },
    );
    expect(await dps.client.lookupStatus(lookup)).toMatchObject({
      kind: "transient",
      cause: "malformed",
      httpStatus: 200,
    });
  });
});
