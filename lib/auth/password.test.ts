import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "./password";

describe("password hashing", () => {
  it("stores an Argon2id PHC string with at least 19 MiB, 2 passes and 1 lane", async () => {
    const phc = await hashPassword("a long enough password");
    expect(phc).toMatch(/^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=1\$/);
    const [, m, t] = /m=(\d+),t=(\d+)/.exec(phc)!;
    expect(Number(m)).toBeGreaterThanOrEqual(19456);
    expect(Number(t)).toBeGreaterThanOrEqual(2);
  });

  it("verifies the right password and rejects another or a corrupt hash", async () => {
    const phc = await hashPassword("a long enough password");
    expect(await verifyPassword(phc, "a long enough password")).toBe(true);
    expect(await verifyPassword(phc, "a long enough passworD")).toBe(false);
    expect(await verifyPassword("not a hash", "x")).toBe(false);
  });
});
