import { describe, expect, it } from "vitest";
import vectors from "./fixtures/dps-vectors.json";
import { DPS_API_VERSION, DPS_USER_AGENT, parseSasToken, verifySasToken } from "./index";
import {
  assigned,
  assigning,
  busiestWindow,
  createScriptedDps,
  jsonReply,
  START_TIME,
  type RecordedRequest,
} from "../../tests/support/scripted-dps";

const connection = { idScope: "0ne00000A0A", host: "dps.example.test" };
const deviceKey = vectors.deviceKeys[0]!.deviceKey;
const registration = { connection, registrationId: "device-001", deviceKey };
const base = "https://dps.example.test/0ne00000A0A/registrations/device-001";

describe("register", () => {
  it("sends PUT register, polls the operation after Retry-After, and returns the assignment", async () => {
    const dps = createScriptedDps([assigning("4.abc.op-1", 3), assigned()]);
    const result = await dps.client.register(registration);

    expect(result).toEqual({
      kind: "assigned",
      operationId: "4.abc.op-1",
      registrationId: "device-001",
      assignedHub: "hub-a.azure-devices.net",
      deviceId: "device-001",
      substatus: "initialAssignment",
      etag: "IjY5MDAzNTUyLTAwMDAtMDMwMC0wMDAwLTYzMGZkYThhMDAwMCI=",
      createdDateTimeUtc: "2024-05-01T10:00:00.1234567Z",
      lastUpdatedDateTimeUtc: "2024-05-01T10:00:01.7654321Z",
      payload: null,
      httpStatus: 200,
      dpsErrorCode: null,
      message: null,
      trackingId: null,
      attempts: 2,
      durationMs: 3_000,
    });
    const [put, poll] = dps.requests as [RecordedRequest, RecordedRequest];
    expect(put.method).toBe("PUT");
    expect(put.url).toBe(`${base}/register?api-version=${DPS_API_VERSION}`);
    expect(put.body).toEqual({ registrationId: "device-001" });
    expect(poll.method).toBe("GET");
    expect(poll.url).toBe(`${base}/operations/4.abc.op-1?api-version=2021-10-01`);
    expect(poll.body).toBeUndefined();
    expect(dps.sleeps).toEqual([3_000]);
  });

  it("sends the headers DPS expects and a SAS token that verifies for this device", async () => {
    const dps = createScriptedDps([assigned()]);
    await dps.client.register(registration);
    const { headers } = dps.requests[0]!;
    expect(headers).toMatchObject({
      "Content-Type": "application/json; charset=utf-8",
      Accept: "application/json",
      "User-Agent": DPS_USER_AGENT,
    });
    expect(DPS_USER_AGENT).toBe("hyperscaler-integration-center/0.1.0");
    const fields = parseSasToken(headers.Authorization)!;
    expect(fields.skn).toBe("registration");
    expect(Number(fields.se)).toBeGreaterThan(START_TIME / 1000);
    expect(
      verifySasToken(fields, {
        ...connection,
        registrationId: "device-001",
        deviceKeysBase64: [deviceKey],
        nowEpochSeconds: START_TIME / 1000,
      }),
    ).toEqual({ ok: true });
  });

  it("completes without polling when the PUT is answered with a terminal status", async () => {
    const dps = createScriptedDps([assigned()]);
    const result = await dps.client.register(registration);
    expect(result.kind).toBe("assigned");
    expect(result.attempts).toBe(1);
    expect(dps.sleeps).toEqual([]);
  });

  it("forwards the custom-allocation payload and returns the one DPS sends back", async () => {
    const dps = createScriptedDps([assigned("device-001", { payload: { site: "berlin" } })]);
    const result = await dps.client.register({ ...registration, payload: { model: "x1" } });
    expect(dps.requests[0]!.body).toEqual({ registrationId: "device-001", payload: { model: "x1" } });
    expect(result).toMatchObject({ kind: "assigned", payload: { site: "berlin" } });
  });

  it("percent-encodes the registration ID in the path", async () => {
    const dps = createScriptedDps([assigning("op:7", 2), assigned("sn:007.888_abc-01")]);
    await dps.client.register({ ...registration, registrationId: "sn:007.888_abc-01" });
    expect(dps.requests[0]!.url).toBe(
      "https://dps.example.test/0ne00000A0A/registrations/sn%3A007.888_abc-01/register?api-version=2021-10-01",
    );
    expect(dps.requests[1]!.url).toBe(
      "https://dps.example.test/0ne00000A0A/registrations/sn%3A007.888_abc-01/operations/op%3A7?api-version=2021-10-01",
    );
    expect(dps.requests[0]!.body).toEqual({ registrationId: "sn:007.888_abc-01" });
  });

  it("uses a pasted https://host/ as the bare host and keeps the port", async () => {
    const dps = createScriptedDps([assigned()]);
    await dps.client.register({
      ...registration,
      connection: { ...connection, host: "https://LocalHost:8443/" },
    });
    expect(dps.requests[0]!.url).toBe(
      "https://localhost:8443/0ne00000A0A/registrations/device-001/register?api-version=2021-10-01",
    );
  });

  it("refuses invalid input before sending anything", async () => {
    const dps = createScriptedDps([]);
    await expect(dps.client.register({ ...registration, registrationId: "bad id." })).rejects.toThrow(
      TypeError,
    );
    await expect(
      dps.client.register({
        ...registration,
        connection: { ...connection, host: "http://dps.example.test" },
      }),
    ).rejects.toThrow("DPS only accepts HTTPS");
    expect(dps.requests).toEqual([]);
  });

  it.each([
    { when: "Retry-After is 7", headers: { "Retry-After": "7" }, wait: 7_000 },
    { when: "Retry-After is absent", headers: undefined, wait: 2_000 },
    { when: "Retry-After is 0", headers: { "Retry-After": "0" }, wait: 1_000 },
    { when: "Retry-After is 600", headers: { "Retry-After": "600" }, wait: 60_000 },
  ])("waits $wait ms before each poll when $when", async ({ headers, wait }) => {
    const pending = jsonReply(202, { operationId: "op", status: "assigning" }, headers);
    const dps = createScriptedDps([pending, pending, assigned()]);
    const result = await dps.client.register(registration);
    expect(result.kind).toBe("assigned");
    expect(dps.sleeps).toEqual([wait, wait]);
  });

  it("keeps polling while DPS reports unassigned, as the C# SDK does", async () => {
    const dps = createScriptedDps([
      assigning("op", 2),
      jsonReply(200, { operationId: "op", status: "unassigned" }, { "Retry-After": "2" }),
      assigned(),
    ]);
    expect((await dps.client.register(registration)).kind).toBe("assigned");
    expect(dps.requests.map((r) => r.method)).toEqual(["PUT", "GET", "GET"]);
  });

  it.each(["0", "1"])(
    "never sends more than 5 requests in any 10 s for one device (Retry-After %s)",
    async (retryAfter) => {
      const pending = jsonReply(
        202,
        { operationId: "op", status: "assigning" },
        { "Retry-After": retryAfter },
      );
      const dps = createScriptedDps([...Array<typeof pending>(15).fill(pending), assigned()]);
      const result = await dps.client.register(registration);
      expect(result.kind).toBe("assigned");
      const times = dps.requests.map((r) => r.at);
      expect(times).toHaveLength(16);
      expect(busiestWindow(times)).toBe(5);
      expect(times[5]! - times[0]!).toBeGreaterThanOrEqual(10_000);
    },
  );

  it("shares the window between concurrent registrations of the same device", async () => {
    const pending = jsonReply(202, { operationId: "op", status: "assigning" }, { "Retry-After": "1" });
    const dps = createScriptedDps((request) =>
      request.method === "GET" && dps.requests.length > 12 ? assigned() : pending,
    );
    const results = await Promise.all([dps.client.register(registration), dps.client.register(registration)]);
    expect(results.map((r) => r.kind)).toEqual(["assigned", "assigned"]);
    expect(busiestWindow(dps.requests.map((r) => r.at))).toBe(5);
  });

  it.each(["failed", "disabled"] as const)(
    "types a %s registration with DPS's error code and message",
    async (status) => {
      const dps = createScriptedDps([
        assigning("op-9", 2),
        jsonReply(200, {
          operationId: "op-9",
          status,
          registrationState: {
            registrationId: "device-001",
            status,
            errorCode: 400209,
            errorMessage: "Custom allocation failed",
          },
        }),
      ]);
      const result = await dps.client.register(registration);
      expect(result).toEqual({
        kind: status,
        operationId: "op-9",
        registrationId: "device-001",
        errorCode: 400209,
        errorMessage: "Custom allocation failed",
        httpStatus: 200,
        dpsErrorCode: 400209,
        message: "Custom allocation failed",
        trackingId: null,
        attempts: 2,
        durationMs: 2_000,
      });
    },
  );

  it("re-sends the PUT when DPS says assigning without an operation id", async () => {
    const noOperation = jsonReply(202, { status: "assigning" }, { "Retry-After": "2" });
    const dps = createScriptedDps([noOperation, assigned()]);
    const result = await dps.client.register(registration);
    expect(result.kind).toBe("assigned");
    expect(dps.requests.map((r) => r.method)).toEqual(["PUT", "PUT"]);
  });

  it("gives up re-sending after maxRegisterResends with a malformed-response error", async () => {
    const noOperation = jsonReply(202, { status: "assigning" });
    const dps = createScriptedDps(() => noOperation, { maxRegisterResends: 2 });
    const result = await dps.client.register(registration);
    expect(result).toMatchObject({ kind: "transient", cause: "malformed", httpStatus: 202, attempts: 3 });
  });

  it("treats an assignment without a hub as malformed and retries it", async () => {
    const hubless = jsonReply(200, {
      operationId: "op",
      status: "assigned",
      registrationState: { deviceId: "device-001" },
    });
    const dps = createScriptedDps([hubless, assigned()]);
    const result = await dps.client.register(registration);
    expect(result.kind).toBe("assigned");
    expect(result.attempts).toBe(2);
  });

  it("returns a transient timeout when the operation outlives the deadline", async () => {
    const dps = createScriptedDps(() => assigning("op", 10), { operationTimeoutMs: 60_000 });
    const result = await dps.client.register(registration);
    expect(result).toMatchObject({ kind: "transient", cause: "timeout", httpStatus: null });
    expect(result.message).toContain("operation op");
    expect(result.durationMs).toBeLessThanOrEqual(60_000);
    expect(result.attempts).toBe(6);
  });
});
