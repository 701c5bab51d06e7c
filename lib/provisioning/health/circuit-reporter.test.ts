import { describe, expect, it } from "vitest";
import type pg from "pg";
import { CircuitReporter, observeNetworkError, observeStatus } from "./circuit-reporter";

const coded = (code: string) =>
  Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error(code), { code }) });

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
    expect(observeNetworkError(coded("ECONNREFUSED"))).toMatchObject({
      answered: false,
      kind: "unreachable:refused",
    });
    expect(observeNetworkError(coded("ECONNRESET"))).toMatchObject({
      answered: false,
      kind: "transient:reset",
    });
    expect(observeNetworkError(coded("UND_ERR_CONNECT_TIMEOUT"))).toMatchObject({
      answered: false,
      kind: "transient:timeout",
    });
    expect(observeNetworkError(coded("DEPTH_ZERO_SELF_SIGNED_CERT"))).toBeNull();
  });
});

describe("reporting DPS request outcomes to the shared circuit row", () => {
  const failure = { answered: false as const, kind: "transient:reset", message: "reset" };

  it("a flush made while a report is under way resolves only after what was observed before it is reported too", async () => {
    const tails: number[] = [];
    let release!: () => void;
    const firstReportHeld = new Promise<void>((resolve) => (release = resolve));
    // The shared row, as reportRequests sees it: it opens at 3 failures in a row.
    const row = {
      async query(config: { values: unknown[] }) {
        const tail = config.values[2] as number;
        if (tails.push(tail) === 1) await firstReportHeld;
        const failures = tails.reduce((sum, n) => sum + n, 0);
        return { rows: [{ state: failures >= 3 ? "open" : "closed", consecutive_failures: failures }] };
      },
    } as unknown as Pick<pg.Pool, "query">;
    let opened = 0;
    const reporter = new CircuitReporter(row, { circuitFailures: 3, probeMinMs: 1_000 }, () => (opened += 1));

    reporter.observe(failure);
    reporter.observe(failure);
    const first = reporter.flush();
    while (tails.length === 0) await new Promise((resolve) => setImmediate(resolve));
    // The first report is at the database with 2 failures; a third arrives meanwhile.
    reporter.observe(failure);
    const second = reporter.flush();
    const third = reporter.flush();
    release();
    await Promise.all([first, second]);

    expect(tails).toEqual([2, 1]);
    expect(opened).toBe(1);
    expect(third).toBe(second);
    reporter.dispose();
  });
});
