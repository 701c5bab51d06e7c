import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  dpsConnectionSchema,
  dpsHostSchema,
  groupKeySchema,
  groupKeysSchema,
  idScopeSchema,
  looksLikeUsualIdScope,
  registrationIdSchema,
  validateDpsHost,
  validateGroupKey,
  validateIdScope,
  validateRegistrationId,
} from "./validation";

const base64OfBytes = (length: number) => randomBytes(length).toString("base64");

describe("ID Scope", () => {
  it.each(["0ne00000A0A", "0ne0011ABCD", "anyLettersAnd123"])("accepts %s", (scope) => {
    expect(validateIdScope(scope)).toEqual({ ok: true, value: scope });
  });

  it("trims surrounding spaces", () => {
    expect(validateIdScope("  0ne00000A0A \n")).toEqual({ ok: true, value: "0ne00000A0A" });
  });

  it.each([
    ["", "ID Scope is required."],
    ["   ", "ID Scope is required."],
    ["0ne-0000", "ID Scope may contain only letters and digits."],
    ["0ne 0000", "ID Scope may contain only letters and digits."],
  ])("refuses %j", (scope, message) => {
    expect(validateIdScope(scope)).toEqual({ ok: false, message });
  });

  it("hints only at 0ne + 8 hex digits as the usual shape", () => {
    expect(looksLikeUsualIdScope("0ne00000A0A")).toBe(true);
    expect(looksLikeUsualIdScope("0ne0011abcd")).toBe(true);
    expect(looksLikeUsualIdScope("0ne00000A0")).toBe(false);
    expect(looksLikeUsualIdScope("0ne00000A0AB")).toBe(false);
    expect(looksLikeUsualIdScope("1ne00000A0A")).toBe(false);
    expect(looksLikeUsualIdScope("0ne00000G0A")).toBe(false);
  });
});

describe("registration ID", () => {
  it.each([
    "device-001",
    "sn:007.888_abc-01",
    "Device-UPPER-01",
    "ends-with-hyphen-",
    "-starts-with-hyphen",
    ".starts-with-dot",
    "a",
    "x".repeat(128),
  ])("accepts %s", (id) => {
    expect(validateRegistrationId(id)).toEqual({ ok: true, value: id });
  });

  it("refuses 129 characters and says how long it is", () => {
    expect(validateRegistrationId("x".repeat(129))).toEqual({
      ok: false,
      message: "Registration ID must be at most 128 characters (it has 129).",
    });
  });

  it.each(["device.", "device_", "device:"])("refuses %s because it ends with a special character", (id) => {
    expect(validateRegistrationId(id)).toEqual({
      ok: false,
      message: "Registration ID must end with a letter, a digit or -.",
    });
  });

  it.each([
    ["device 1", "a space"],
    ["device/1", '"/"'],
    ["device#1", '"#"'],
    ["gerät-1", '"ä"'],
  ])("refuses %s and names the bad character", (id, shown) => {
    expect(validateRegistrationId(id)).toEqual({
      ok: false,
      message: `Registration ID may contain only letters, digits and - . _ : (found ${shown}).`,
    });
  });

  it("requires a value", () => {
    expect(validateRegistrationId("")).toEqual({ ok: false, message: "Registration ID is required." });
  });
});

describe("group key", () => {
  it.each([16, 17, 18, 32, 63, 64])("accepts base64 of %i bytes", (bytes) => {
    const key = base64OfBytes(bytes);
    expect(validateGroupKey(key)).toEqual({ ok: true, value: key });
  });

  it.each([15, 65, 1])("refuses base64 of %i bytes and says the size", (bytes) => {
    expect(validateGroupKey(base64OfBytes(bytes))).toEqual({
      ok: false,
      message: `Group key must decode to 16–64 bytes (it decodes to ${bytes}).`,
    });
  });

  const notBase64 =
    "Group key must be standard base64 (A–Z, a–z, 0–9, + and /, padded with =), as shown in the Azure portal.";
  const key32 = Buffer.alloc(32, 7).toString("base64");

  it.each([
    ["missing padding", key32.replace(/=+$/, "")],
    ["too much padding", `${key32}=`],
    ["padding in the middle", `${key32.slice(0, 8)}=${key32.slice(9)}`],
    ["URL-safe alphabet", Buffer.alloc(32, 0xfb).toString("base64url") + "="],
    ["a space inside", `${key32.slice(0, 10)} ${key32.slice(11)}`],
    ["a line break inside", `${key32.slice(0, 20)}\n${key32.slice(20)}`],
    ["non-zero bits after the last byte", `${key32.slice(0, -2)}B=`],
    ["not base64 at all", "this is not a key!"],
  ])("refuses %s", (_case, key) => {
    expect(validateGroupKey(key)).toEqual({ ok: false, message: notBase64 });
  });

  it("requires a value and uses the given label", () => {
    expect(validateGroupKey("  ", "Secondary group key")).toEqual({
      ok: false,
      message: "Secondary group key is required.",
    });
  });
});

describe("DPS host", () => {
  it.each([
    ["global.azure-devices-provisioning.net", "global.azure-devices-provisioning.net"],
    ["Global.Azure-Devices-Provisioning.NET", "global.azure-devices-provisioning.net"],
    ["localhost:8443", "localhost:8443"],
    ["127.0.0.1:8443", "127.0.0.1:8443"],
    ["https://global.azure-devices-provisioning.net/", "global.azure-devices-provisioning.net"],
    ["HTTPS://my-dps.azure-devices-provisioning.net", "my-dps.azure-devices-provisioning.net"],
    ["https://localhost:8443/", "localhost:8443"],
    ["  dps.example.com  ", "dps.example.com"],
  ])("accepts %j as %j", (input, value) => {
    expect(validateDpsHost(input)).toEqual({ ok: true, value });
  });

  it.each([
    ["", "DPS host is required."],
    ["http://dps.example.com", "DPS only accepts HTTPS: enter the host name without http://."],
    ["ftp://dps.example.com", "Enter only the DPS host name, without a scheme such as https://."],
    ["dps.example.com/path", "Enter only the DPS host name, without a path."],
    ["https://dps.example.com/0ne00000A0A/registrations", "Enter only the DPS host name, without a path."],
    ["https://dps.example.com//", "Enter only the DPS host name, without a path."],
    ["dps.example.com?x=1", "Enter only the DPS host name, without a query string."],
    ["https://dps.example.com/?x=1", "Enter only the DPS host name, without a path."],
    ["dps.example.com#top", "Enter only the DPS host name, without a fragment."],
    ["user:pass@dps.example.com", "DPS host must not contain a user name or password."],
    ["https://user@dps.example.com/", "DPS host must not contain a user name or password."],
    ["dps.example.com:99999", "DPS host port must be a number from 1 to 65535."],
    ["dps.example.com:0", "DPS host port must be a number from 1 to 65535."],
    ["dps.example.com:", "DPS host port must be a number from 1 to 65535."],
    ["dps.example.com:https", "DPS host port must be a number from 1 to 65535."],
    [":8443", "DPS host is missing a host name."],
  ])("refuses %j", (input, message) => {
    expect(validateDpsHost(input)).toEqual({ ok: false, message });
  });

  const badHostname =
    "DPS host must be a host name such as global.azure-devices-provisioning.net (letters, digits, - and dots).";
  it.each([
    "dps_example.com",
    "dps example.com",
    "-dps.example.com",
    "dps..example.com",
    "dps.example.com.",
    "[::1]:8443",
  ])("refuses the host name %j", (input) => {
    expect(validateDpsHost(input)).toEqual({ ok: false, message: badHostname });
  });
});

describe("zod schemas share the same rules", () => {
  it("normalise valid input", () => {
    expect(dpsConnectionSchema.parse({ idScope: " 0ne00000A0A ", host: "https://Dps.Example.com/" })).toEqual(
      {
        idScope: "0ne00000A0A",
        host: "dps.example.com",
      },
    );
  });

  it("report the rule's message on the failing field", () => {
    const result = dpsConnectionSchema.safeParse({ idScope: "0ne-1", host: "http://dps.example.com" });
    expect(result.success).toBe(false);
    const fieldErrors = result.success
      ? {}
      : (z.flattenError(result.error).fieldErrors as Record<string, string[]>);
    expect(fieldErrors.idScope).toEqual(["ID Scope may contain only letters and digits."]);
    expect(fieldErrors.host).toEqual(["DPS only accepts HTTPS: enter the host name without http://."]);
  });

  it("say which field is missing", () => {
    expect(idScopeSchema.safeParse(undefined).error?.issues[0]?.message).toBe("ID Scope is required.");
    expect(dpsHostSchema.safeParse(undefined).error?.issues[0]?.message).toBe("DPS host is required.");
    expect(registrationIdSchema.safeParse("").error?.issues[0]?.message).toBe("Registration ID is required.");
    expect(groupKeySchema.safeParse(undefined).error?.issues[0]?.message).toBe("Group key is required.");
  });

  it("treat a blank secondary key as absent but check a given one", () => {
    const primary = base64OfBytes(64);
    expect(groupKeysSchema.parse({ primary, secondary: "  " })).toEqual({ primary, secondary: undefined });
    expect(groupKeysSchema.parse({ primary })).toEqual({ primary, secondary: undefined });
    const bad = groupKeysSchema.safeParse({ primary, secondary: base64OfBytes(8) });
    expect(bad.error?.issues[0]).toMatchObject({
      path: ["secondary"],
      message: "Secondary group key must decode to 16–64 bytes (it decodes to 8).",
    });
  });
});
