import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { drawFault, truncateBody } from "./faults";
import { NO_FAULTS } from "./config";
import {
  fleetToken,
  rawRequest,
  registerPath,
  startTestEmulator,
  type TestEmulator,
} from "@/tests/support/dps-emulator";

describe("fault draws", () => {
  it("draws only for the rates that are set, reset before server error before malformed", () => {
    const draws: number[] = [];
    const scripted = (values: number[]) => () => {
      const value = values.shift() ?? 0.99;
      draws.push(value);
      return value;
    };
    expect(drawFault(NO_FAULTS, scripted([0]))).toEqual({ kind: "none" });
    expect(draws).toEqual([]);
    expect(
      drawFault({ ...NO_FAULTS, resetRate: 0.5, serverErrorRate: 0.5 }, scripted([0.7, 0.2, 0.9])),
    ).toEqual({ kind: "server-error", status: 503 });
    expect(drawFault({ ...NO_FAULTS, malformedRate: 0.1 }, scripted([0.05]))).toEqual({ kind: "malformed" });
  });

  it("truncates every JSON body into something that is not JSON", () => {
    for (const body of ['{"operationId":"x","status":"assigning"}', "{}", '{"a":1}']) {
      expect(() => JSON.parse(truncateBody(body))).toThrow();
    }
  });
});

describe("faults over HTTP", () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    // Zero makes every configured fault fire and picks 500 over 503.
    emulator = await startTestEmulator(undefined, { random: () => 0 });
  });
  afterAll(() => emulator.dispose());
  beforeEach(() => {
    emulator.admin.setFaults({});
  });

  const register = (registrationId: string) =>
    rawRequest(emulator, "PUT", registerPath(registrationId), {
      token: fleetToken(registrationId),
      body: { registrationId },
    });

  it("answers 500 with a JSON error body at serverErrorRate 1", async () => {
    emulator.admin.setFaults({ serverErrorRate: 1 });
    const response = await register("fault-500");
    expect(response.status).toBe(500);
    expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(response.json).toMatchObject({ errorCode: 500000 });
  });

  it("resets the connection without answering at resetRate 1", async () => {
    emulator.admin.setFaults({ resetRate: 1 });
    const before = emulator.admin.counters().resets;
    await expect(register("fault-reset")).rejects.toMatchObject({
      code: expect.stringMatching(/ECONNRESET|socket hang up/i),
    });
    expect(emulator.admin.counters().resets).toBe(before + 1);
  });

  it("sends a truncated body with a JSON content type at malformedRate 1", async () => {
    emulator.admin.setFaults({ malformedRate: 1 });
    const response = await register("fault-malformed");
    expect(response.status).toBe(202);
    expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(response.text.length).toBeGreaterThan(0);
    expect(() => JSON.parse(response.text)).toThrow();
  });

  it("answers 429 with Retry-After at throttleRate 1, counted apart from quota refusals", async () => {
    emulator.admin.setFaults({ throttleRate: 1 });
    const before = emulator.admin.counters();
    const response = await register("fault-throttled");
    expect(response.status).toBe(429);
    expect(response.headers["retry-after"]).toBe("1");
    const after = emulator.admin.counters();
    expect(after.injectedThrottles).toBe(before.injectedThrottles + 1);
    expect(after.throttled).toBe(before.throttled);
  });

  it("drops every device request while unreachable, answers the admin API, and serves again once switched back", async () => {
    const on = await rawRequest(emulator, "PATCH", "/_emulator/faults", { body: { unreachable: true } });
    expect(on.json).toMatchObject({ unreachable: true });
    await expect(register("fault-outage")).rejects.toMatchObject({
      code: expect.stringMatching(/ECONNRESET|socket hang up/i),
    });
    expect(emulator.admin.counters().outageDrops).toBeGreaterThan(0);
    await rawRequest(emulator, "PATCH", "/_emulator/faults", { body: { unreachable: false } });
    expect((await register("fault-outage")).status).toBe(202);
  });

  it("delays answers by extraLatencyMs and can be switched off over the admin API", async () => {
    emulator.admin.setFaults({ extraLatencyMs: 300 });
    const started = performance.now();
    expect((await register("fault-slow")).status).toBe(202);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);

    const cleared = await rawRequest(emulator, "PUT", "/_emulator/faults", { body: {} });
    expect(cleared.json).toEqual(NO_FAULTS);
    const quick = performance.now();
    await register("fault-fast");
    expect(performance.now() - quick).toBeLessThan(250);
  });
});
