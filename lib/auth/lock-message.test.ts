import { describe, expect, it } from "vitest";
import { lockMessage, retryAtFromCode } from "./lock-message";

describe("the lock message", () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);

  it("says in how many minutes, and after which UTC time, the account may try again", () => {
    const retryAt = retryAtFromCode(`throttled-${now + 15 * 60_000 - 300}`, now);
    expect(lockMessage(retryAt, now)).toMatch(/Try again in 15 minutes \(after 12:14 UTC\)/);
    expect(lockMessage(new Date(now + 90_000), now)).toMatch(/in 2 minutes \(/);
  });

  it("counts a short wait in seconds", () => {
    expect(lockMessage(new Date(now + 30_000), now)).toMatch(
      /Try again in 30 seconds \(after 12:00:30 UTC\)/,
    );
  });

  it("falls back to the longest wait for a code it cannot read", () => {
    expect(retryAtFromCode("throttled-x", now).getTime()).toBe(now + 15 * 60_000);
  });

  it("does not believe a code from a URL that names an impossible or far-off time", () => {
    for (const code of [
      "throttled-9000000000000000",
      "throttled-99999999999999999999",
      "throttled-1e400",
      "throttled--5",
      `throttled-${now + 365 * 86_400_000}`,
    ]) {
      const retryAt = retryAtFromCode(code, now);
      expect(retryAt.getTime()).toBe(now + 15 * 60_000);
      expect(() => lockMessage(retryAt, now)).not.toThrow();
    }
  });
});
