import { describe, expect, it } from "vitest";
import { observeNetworkError, observeStatus } from "./circuit-reporter";

const coded = (code: string) => Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error(code), { code }) });

describe("what a DPS request says about DPS's health", () => {
  it("counts 5xx and 429 as DPS not serving, but not the permanent 501 and 505", () => {
    expect(observeStatus(503)).toMatchObject({ answered: false, kind: "transient:http-5xx:503" });
    expect(observeStatus(429)).toMatchObject({ answered: false, kind: "throttled::429" });
    expect(observeStatus(501)).toEqual({ answered: true });
    expect(observeStatus(505)).toEqual({ answered: true });
  });

  it("counts any other answer, a refusal included, as DPS serving", () => {
    for (const status of [200, 202, 400, 401, 404]) expect(observeStatus(status)).toEqual({ answered: true });
  });

  it("counts no connection, resets and timeouts as unreachable, and ignores a certificate problem (a setting, not an outage)", () => {
    expect(observeNetworkError(coded("ECONNREFUSED"))).toMatchObject({ answered: false, kind: "unreachable:refused" });
    expect(observeNetworkError(coded("ECONNRESET"))).toMatchObject({ answered: false, kind: "transient:reset" });
    expect(observeNetworkError(coded("UND_ERR_CONNECT_TIMEOUT"))).toMatchObject({ answered: false, kind: "transient:timeout" });
    expect(observeNetworkError(coded("DEPTH_ZERO_SELF_SIGNED_CERT"))).toBeNull();
  });
});
