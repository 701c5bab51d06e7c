import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { QuotaGate, SlidingWindowLimiter } from "./quotas";
import {
  fleetToken,
  operationPath,
  rawRequest,
  registerPath,
  startTestEmulator,
  type TestEmulator,
} from "@/tests/support/dps-emulator";

describe("sliding-window quotas (fake clock)", () => {
  it("never refuses a client pacing at exactly Q per minute, for three minutes", () => {
    const limiter = new SlidingWindowLimiter(1000, 60_000);
    const interval = 60_000 / 1000;
    for (let now = 0; now < 180_000; now += interval) {
      expect(limiter.waitMs(now)).toBe(0);
      limiter.record(now);
    }
  });

  it("refuses the event over the limit and says how long until the oldest leaves the window", () => {
    const limiter = new SlidingWindowLimiter(3, 10_000);
    [0, 1000, 2000].forEach((now) => limiter.record(now));
    expect(limiter.waitMs(2500)).toBeGreaterThan(7000);
    expect(limiter.waitMs(10_000)).toBe(0);
  });

  it("counts each limit separately and a refused call consumes none", () => {
    const gate = new QuotaGate({
      registrationsPerMinute: 2,
      operationsPerMinute: 4,
      pollsPer10sPerDevice: 0,
    });
    expect(gate.admit("register", "a", 0).admitted).toBe(true);
    expect(gate.admit("register", "b", 1).admitted).toBe(true);
    expect(gate.admit("register", "c", 2)).toMatchObject({
      admitted: false,
      limit: "registrationsPerMinute",
      retryAfterSeconds: 60,
    });
    // The refused register did not use an operation: two more lookups still fit.
    expect(gate.admit("operation", "a", 3).admitted).toBe(true);
    expect(gate.admit("status", "a", 4).admitted).toBe(true);
    expect(gate.admit("operation", "a", 5)).toMatchObject({ admitted: false, limit: "operationsPerMinute" });
  });

  it("treats 0 and null as unlimited", () => {
    const gate = new QuotaGate({
      registrationsPerMinute: 0,
      operationsPerMinute: null,
      pollsPer10sPerDevice: 0,
    });
    for (let index = 0; index < 5000; index += 1)
      expect(gate.admit("operation", "same", index).admitted).toBe(true);
  });
});

describe("quotas over HTTP", () => {
  let emulator: TestEmulator;
  let clock = Date.now();
  beforeAll(async () => {
    emulator = await startTestEmulator(undefined, { now: () => clock });
  });
  afterAll(() => emulator.dispose());

  const register = (registrationId: string) =>
    rawRequest(emulator, "PUT", registerPath(registrationId), {
      token: fleetToken(registrationId),
      body: { registrationId },
    });

  it("answers registrations over the per-minute limit with 429, Retry-After and error 429001", async () => {
    emulator.admin.reset();
    emulator.admin.setQuotas({ registrationsPerMinute: 5, operationsPerMinute: 0, pollsPer10sPerDevice: 0 });
    const statuses = [];
    for (let index = 0; index < 8; index += 1) statuses.push(await register(`burst-${index}`));

    expect(statuses.map((response) => response.status)).toEqual([202, 202, 202, 202, 202, 429, 429, 429]);
    const throttled = statuses[5];
    expect(Number(throttled?.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(throttled?.json).toMatchObject({ errorCode: 429001 });
    expect(throttled?.headers["x-ms-error-code"]).toBe("429001");
    expect(emulator.admin.counters().throttled).toBe(3);
  });

  it("never throttles a client pacing at the limit for three windows, and throttles one pacing 5 % faster", async () => {
    const send = async (prefix: string, intervalMs: number) => {
      emulator.admin.reset();
      emulator.admin.setQuotas({
        registrationsPerMinute: 30,
        operationsPerMinute: 0,
        pollsPer10sPerDevice: 0,
      });
      const statuses: number[] = [];
      for (let index = 0; index < 90; index += 1) {
        statuses.push((await register(`${prefix}-${index}`)).status);
        clock += intervalMs;
      }
      return statuses;
    };

    const paced = await send("paced", 60_000 / 30);
    expect(paced.filter((status) => status !== 202)).toEqual([]);
    const hurried = await send("hurried", (60_000 / 30) * 0.95);
    expect(hurried.filter((status) => status === 429).length).toBeGreaterThan(0);
  });

  it("throttles the sixth poll of one device within 10 s but not another device's", async () => {
    emulator.admin.reset();
    emulator.admin.setQuotas({ registrationsPerMinute: 0, operationsPerMinute: 0, pollsPer10sPerDevice: 5 });
    const poll = async (registrationId: string) => {
      const token = fleetToken(registrationId);
      const put = await rawRequest(emulator, "PUT", registerPath(registrationId), {
        token,
        body: { registrationId },
      });
      const { operationId } = put.json as { operationId: string };
      const statuses = [];
      for (let index = 0; index < 6; index += 1)
        statuses.push(
          (await rawRequest(emulator, "GET", operationPath(registrationId, operationId), { token })).status,
        );
      return statuses;
    };

    expect(await poll("eager-poller")).toEqual([200, 200, 200, 200, 200, 429]);
    expect((await poll("other-poller")).slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
  });
});
