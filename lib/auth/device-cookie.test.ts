import { describe, expect, it } from "vitest";
import { deviceCookieFrom, deviceIdFor, issueDeviceCookie } from "./device-cookie";

const SECRET = "a-test-secret-that-is-long-enough-0123456789";

describe("the device cookie", () => {
  it("names the account it was issued for, case-insensitively", () => {
    const value = issueDeviceCookie("Ada@Example.com", SECRET)!;
    expect(deviceIdFor(value, "ada@example.com", SECRET)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(deviceIdFor(value, "bob@example.com", SECRET)).toBeNull();
  });

  it("is refused when forged, re-signed with another secret or tampered with", () => {
    const value = issueDeviceCookie("ada@example.com", SECRET)!;
    expect(deviceIdFor(value, "ada@example.com", "another-secret-another-secret-123")).toBeNull();
    const [email, , sig] = value.split(".");
    expect(deviceIdFor(`${email}.AAAAAAAAAAAAAAAAAAAAAA.${sig}`, "ada@example.com", SECRET)).toBeNull();
    expect(deviceIdFor("garbage", "ada@example.com", SECRET)).toBeNull();
    expect(deviceIdFor("x".repeat(5000), "ada@example.com", SECRET)).toBeNull();
  });

  it("is read from a Cookie header among others", () => {
    expect(deviceCookieFrom("a=1; hic-device=abc.def.ghi; b=2")).toBe("abc.def.ghi");
    expect(deviceCookieFrom("a=1")).toBeNull();
    expect(deviceCookieFrom(null)).toBeNull();
  });
});
