import { describe, expect, it } from "vitest";
import { lockMessage, retryAtFromCode } from "./lock-message";

describe("the lock message", () => {
  it("says in how many minutes, and after which UTC time, the account may try again", () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const retryAt = retryAtFromCode(`throttled-${now + 15 * 60_000 - 300}`, now);
    expect(lockMessage(retryAt, now)).toMatch(/Try again in 15 minutes \(after 12:14 UTC\)/);
    expect(lockMessage(new Date(now + 20_000), now)).toMatch(/in 1 minute \(/);
  });

  it("falls back to the full lock time for a code it cannot read", () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    expect(retryAtFromCode("throttled-x", now).getTime()).toBe(now + 15 * 60_000);
  });
});
