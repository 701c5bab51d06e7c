import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  fleetToken,
  operationPath,
  rawRequest,
  registerAndWait,
  registerPath,
  startTestEmulator,
  statusPath,
  TEST_ID_SCOPE,
  testConfig,
  type TestEmulator,
} from "@/tests/support/dps-emulator";

const JSON_TYPE = "application/json; charset=utf-8";

describe("device registration protocol", () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator(testConfig({ retryAfterSeconds: 2 }));
  });
  afterAll(() => emulator.dispose());

  it("answers register with 202 assigning, Retry-After, Location and a request id, then assigns by the first poll", async () => {
    const registrationId = "protocol-device-01";
    const token = fleetToken(registrationId);

    const put = await rawRequest(emulator, "PUT", registerPath(registrationId), {
      token,
      body: { registrationId },
    });
    expect(put.status).toBe(202);
    expect(put.headers["content-type"]).toBe(JSON_TYPE);
    expect(put.headers["retry-after"]).toBe("2");
    expect(put.headers.location).toContain(`/${TEST_ID_SCOPE}/registrations/${registrationId}/register`);
    expect(put.headers["x-ms-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    const { operationId, status } = put.json as { operationId: string; status: string };
    expect(status).toBe("assigning");
    expect(operationId).toMatch(/^5\.[0-9a-f]{16}\.[0-9a-f-]{36}$/);
    expect(put.json).not.toHaveProperty("registrationState");

    // The Node SDK polls with a `{}` body and a Request-Id header.
    const poll = await rawRequest(emulator, "GET", operationPath(registrationId, operationId), {
      token,
      body: {},
      headers: { "request-id": "8f1c1b8e-0000-4000-8000-000000000001" },
    });
    expect(poll.status).toBe(200);
    expect(poll.headers["content-type"]).toBe(JSON_TYPE);
    const body = poll.json as {
      operationId: string;
      status: string;
      registrationState: Record<string, string>;
    };
    expect(body).toMatchObject({ operationId, status: "assigned" });
    const state = body.registrationState;
    expect(state).toMatchObject({
      registrationId,
      deviceId: registrationId,
      status: "assigned",
      substatus: "initialAssignment",
      symmetricKey: { enrollmentGroupId: "fleet" },
    });
    expect(state.createdDateTimeUtc).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
    expect(state.lastUpdatedDateTimeUtc).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
    expect(Buffer.from(state.etag ?? "", "base64").toString("utf8")).toMatch(
      /^"[0-9a-f]{8}-0000-0300-0000-[0-9a-f]{12}"$/,
    );
  });

  it("keeps answering 202 with the operation id while assignment is delayed", async () => {
    await emulator.admin.patchConfig({ assignmentDelayMs: 800 });
    try {
      const registrationId = "slow-device";
      const token = fleetToken(registrationId);
      const put = await rawRequest(emulator, "PUT", registerPath(registrationId), {
        token,
        body: { registrationId },
      });
      const { operationId } = put.json as { operationId: string };

      const early = await rawRequest(emulator, "GET", operationPath(registrationId, operationId), { token });
      expect(early.status).toBe(202);
      expect(early.json).toEqual({ operationId, status: "assigning" });
      expect(early.headers["retry-after"]).toBe("2");

      await new Promise((resolve) => setTimeout(resolve, 850));
      const late = await rawRequest(emulator, "GET", operationPath(registrationId, operationId), { token });
      expect(late.status).toBe(200);
    } finally {
      await emulator.admin.patchConfig({ assignmentDelayMs: 0 });
    }
  });

  it("answers the status lookup with the bare registration state, and 404 for a device never registered", async () => {
    const registrationId = "status-device";
    const token = fleetToken(registrationId);
    const before = await rawRequest(emulator, "POST", statusPath(registrationId), {
      token,
      body: { registrationId },
    });
    expect(before.status).toBe(404);
    expect(before.json).toMatchObject({ errorCode: 404201 });
    expect(before.headers["content-type"]).toBe(JSON_TYPE);

    const operation = await registerAndWait(emulator, registrationId, token);
    const after = await rawRequest(emulator, "POST", statusPath(registrationId), {
      token,
      body: { registrationId },
    });
    expect(after.status).toBe(200);
    expect(after.json).toEqual(operation.registrationState);
  });

  it("percent-decodes path segments the way the C SDK encodes them", async () => {
    const registrationId = "sn:007.888_abc-01";
    const encodedPath = `/${TEST_ID_SCOPE}/registrations/${encodeURIComponent(registrationId)}/register?api-version=2019-03-31`;
    const put = await rawRequest(emulator, "PUT", encodedPath, {
      token: fleetToken(registrationId, { encoding: "lower" }),
      body: { registrationId },
    });
    expect(put.status).toBe(202);
  });

  it("treats registration IDs case-insensitively for the record", async () => {
    await registerAndWait(emulator, "Mixed-Case-01", fleetToken("Mixed-Case-01"));
    const again = await registerAndWait(emulator, "mixed-case-01", fleetToken("mixed-case-01"));
    expect(again.registrationState).toMatchObject({ substatus: "reprovisionedToInitialAssignment" });
  });

  it("requires api-version but accepts any value", async () => {
    const registrationId = "api-version-device";
    const token = fleetToken(registrationId);
    const missing = await rawRequest(
      emulator,
      "PUT",
      `/${TEST_ID_SCOPE}/registrations/${registrationId}/register`,
      { token, body: { registrationId } },
    );
    expect(missing.status).toBe(400);
    expect(missing.headers["content-type"]).toBe(JSON_TYPE);
    const future = await rawRequest(
      emulator,
      "PUT",
      `/${TEST_ID_SCOPE}/registrations/${registrationId}/register?api-version=2099-01-01`,
      { token, body: { registrationId } },
    );
    expect(future.status).toBe(202);
  });

  it.each([
    ["an invalid registration ID", "bad id!", undefined],
    ["a body naming another device", "body-mismatch", { registrationId: "someone-else" }],
    ["an unparsable body", "unparsable-body", "{not json"],
    ["a body that is not an object", "array-body", [1, 2]],
  ])("answers 400 / 400004 for %s", async (_case, registrationId, body) => {
    const response = await rawRequest(emulator, "PUT", registerPath(encodeURIComponent(registrationId)), {
      token: fleetToken(registrationId),
      body: body ?? { registrationId },
    });
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({
      errorCode: 400004,
      message: expect.any(String),
      trackingId: expect.any(String),
      timestampUtc: expect.any(String),
    });
    expect(response.headers["x-ms-error-code"]).toBe("400004");
  });

  it("answers 404 with a JSON error for unknown routes and unknown operations", async () => {
    const unknownRoute = await rawRequest(emulator, "GET", "/nothing/here?api-version=1");
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.headers["content-type"]).toBe(JSON_TYPE);
    const registrationId = "unknown-operation";
    const unknownOperation = await rawRequest(
      emulator,
      "GET",
      operationPath(registrationId, "5.0000000000000000.nope"),
      { token: fleetToken(registrationId) },
    );
    expect(unknownOperation.status).toBe(404);
    expect(unknownOperation.json).toMatchObject({ errorCode: 404202 });
  });

  it("does not let one device read another device's operation", async () => {
    const owner = await registerAndWait(emulator, "operation-owner", fleetToken("operation-owner"));
    const response = await rawRequest(emulator, "GET", operationPath("operation-thief", owner.operationId), {
      token: fleetToken("operation-thief"),
    });
    expect(response.status).toBe(404);
  });
});
