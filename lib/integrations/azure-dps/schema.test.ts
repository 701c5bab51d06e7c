import { describe, expect, it } from "vitest";
import { z } from "zod";
import { DEFAULT_DPS_HOST, dpsIntegrationSchema, idScopeWarning, testDpsConnectionSchema } from "./schema";

const KEY_32 = Buffer.alloc(32, 1).toString("base64");
const valid = {
  mode: "connect",
  version: 0,
  idScope: "0ne00A1B2C3",
  primaryKey: KEY_32,
  host: DEFAULT_DPS_HOST,
  secondaryKey: "",
  registrationsPerMinute: "1000",
};

function errorsOf(input: Record<string, unknown>) {
  const result = dpsIntegrationSchema.safeParse(input);
  return result.success ? {} : z.flattenError(result.error).fieldErrors;
}

describe("DPS integration schema", () => {
  it("accepts the dialog's defaults with a key and normalises the values", () => {
    const parsed = dpsIntegrationSchema.parse({
      ...valid,
      idScope: "  0ne00A1B2C3 ",
      primaryKey: ` ${KEY_32} `,
    });
    expect(parsed).toMatchObject({
      idScope: "0ne00A1B2C3",
      primaryKey: KEY_32,
      host: DEFAULT_DPS_HOST,
      secondaryKey: undefined,
      registrationsPerMinute: 1000,
      removeSecondaryKey: false,
    });
  });

  it("requires an ID Scope of letters and digits only", () => {
    expect(errorsOf({ ...valid, idScope: "   " }).idScope).toEqual(["ID Scope is required."]);
    expect(errorsOf({ ...valid, idScope: "0ne-00A1B2C3" }).idScope).toEqual([
      "ID Scope may contain only letters and digits.",
    ]);
  });

  it("accepts an unusual ID Scope and only warns about it", () => {
    expect(dpsIntegrationSchema.safeParse({ ...valid, idScope: "MyScope42" }).success).toBe(true);
    expect(idScopeWarning("MyScope42")).toMatch(/does not look like the usual ID Scope/);
    expect(idScopeWarning("0ne00a1b2c3")).toBeNull();
    expect(idScopeWarning("")).toBeNull();
  });

  it("refuses a connect without a key and a key that is not base64 of 16 to 64 bytes", () => {
    expect(errorsOf({ ...valid, primaryKey: "" }).primaryKey?.[0]).toMatch(/Enter the enrollment group key/);
    expect(errorsOf({ ...valid, primaryKey: "not base64!" }).primaryKey?.[0]).toMatch(
      /Enrollment group key must be standard base64/,
    );
    expect(errorsOf({ ...valid, primaryKey: Buffer.alloc(15).toString("base64") }).primaryKey?.[0]).toMatch(
      /16–64 bytes \(it decodes to 15\)/,
    );
    expect(errorsOf({ ...valid, primaryKey: Buffer.alloc(65).toString("base64") }).primaryKey?.[0]).toMatch(
      /it decodes to 65/,
    );
    expect(
      dpsIntegrationSchema.safeParse({ ...valid, primaryKey: Buffer.alloc(16).toString("base64") }).success,
    ).toBe(true);
    expect(
      dpsIntegrationSchema.safeParse({ ...valid, primaryKey: Buffer.alloc(64).toString("base64") }).success,
    ).toBe(true);
  });

  it("allows an empty key on edit (keep the stored one)", () => {
    const parsed = dpsIntegrationSchema.parse({ ...valid, mode: "edit", version: 3, primaryKey: "" });
    expect(parsed.primaryKey).toBeUndefined();
    expect(parsed.version).toBe(3);
  });

  it("refuses a value that is not an object without throwing", () => {
    for (const value of [null, undefined, 1, "x", []])
      expect(dpsIntegrationSchema.safeParse(value).success).toBe(false);
  });

  it("shows every field's error at once, the missing key included", () => {
    const errors = errorsOf({
      mode: "connect",
      version: 0,
      idScope: "",
      primaryKey: "",
      host: "",
      registrationsPerMinute: "",
    });
    expect(Object.keys(errors).sort()).toEqual(["host", "idScope", "primaryKey", "registrationsPerMinute"]);
  });

  it("normalises a pasted https://host/ and accepts host:port", () => {
    expect(
      dpsIntegrationSchema.parse({ ...valid, host: " https://Global.Azure-Devices-Provisioning.net/ " }).host,
    ).toBe(DEFAULT_DPS_HOST);
    expect(dpsIntegrationSchema.parse({ ...valid, host: "localhost:8443" }).host).toBe("localhost:8443");
  });

  it("refuses other schemes, paths and bad ports in the hostname", () => {
    expect(errorsOf({ ...valid, host: "http://dps.example.com" }).host?.[0]).toMatch(/only accepts HTTPS/);
    expect(errorsOf({ ...valid, host: "https://dps.example.com/path" }).host?.[0]).toMatch(/without a path/);
    expect(errorsOf({ ...valid, host: "dps.example.com:70000" }).host?.[0]).toMatch(/port must be a number/);
    expect(errorsOf({ ...valid, host: "" }).host?.[0]).toMatch(
      /Enter the Device Provisioning Service hostname/,
    );
  });

  it("treats an empty secondary key as none and checks a given one", () => {
    expect(dpsIntegrationSchema.parse({ ...valid, secondaryKey: "  " }).secondaryKey).toBeUndefined();
    expect(errorsOf({ ...valid, secondaryKey: "abc" }).secondaryKey?.[0]).toMatch(
      /^Secondary key must be standard base64/,
    );
  });

  it("coerces registrations per minute to an integer from 1 to 1,000,000", () => {
    expect(
      dpsIntegrationSchema.parse({ ...valid, registrationsPerMinute: "250" }).registrationsPerMinute,
    ).toBe(250);
    expect(errorsOf({ ...valid, registrationsPerMinute: "0" }).registrationsPerMinute).toEqual([
      "Registrations per minute must be at least 1.",
    ]);
    expect(errorsOf({ ...valid, registrationsPerMinute: "1000001" }).registrationsPerMinute?.[0]).toMatch(
      /at most 1,000,000/,
    );
    expect(errorsOf({ ...valid, registrationsPerMinute: "2.5" }).registrationsPerMinute?.[0]).toMatch(
      /whole number/,
    );
    expect(errorsOf({ ...valid, registrationsPerMinute: "" }).registrationsPerMinute?.[0]).toMatch(
      /whole number/,
    );
    expect(errorsOf({ ...valid, registrationsPerMinute: "lots" }).registrationsPerMinute?.[0]).toMatch(
      /whole number/,
    );
  });

  it("lets Test connection name the stored configuration or the typed values", () => {
    expect(testDpsConnectionSchema.parse({ mode: "stored" })).toEqual({ mode: "stored" });
    expect(testDpsConnectionSchema.safeParse({ ...valid, primaryKey: "" }).success).toBe(false);
    expect(testDpsConnectionSchema.safeParse({ mode: "anything" }).success).toBe(false);
  });
});
