import { describe, expect, it } from "vitest";
import {
  assertDpsUrlAllowed,
  DpsHostNotAllowedError,
  dpsHostRefusal,
  isDpsHostAllowed,
} from "./dps-host-policy";
import { parseEnv } from "@/lib/env";

const settings = (env: Record<string, string> = {}) => parseEnv(env);

describe("the outbound DPS host policy", () => {
  it("allows Azure's DPS endpoints in the public and sovereign clouds, on port 443 only", () => {
    const s = settings();
    for (const host of [
      "global.azure-devices-provisioning.net",
      "my-dps.azure-devices-provisioning.net",
      "global.azure-devices-provisioning.cn",
      "global.azure-devices-provisioning.us",
      "global.azure-devices-provisioning.net:443",
    ]) {
      expect(isDpsHostAllowed(host, s), host).toBe(true);
    }
    for (const host of [
      "azure-devices-provisioning.net.evil.example",
      "evilazure-devices-provisioning.net",
      "global.azure-devices-provisioning.net:8443",
      "azure-devices-provisioning.net",
    ]) {
      expect(isDpsHostAllowed(host, s), host).toBe(false);
    }
  });

  it("refuses internal targets an attacker would aim at, with a message naming the setting", () => {
    const s = settings();
    for (const host of [
      "127.0.0.1:5432",
      "localhost:8443",
      "169.254.169.254",
      "10.1.2.3",
      "metadata.google.internal",
      "db:5432",
    ]) {
      expect(isDpsHostAllowed(host, s), host).toBe(false);
      expect(dpsHostRefusal(host, s)).toMatch(/HIC_DPS_ALLOWED_HOSTS/);
    }
  });

  it("allows the emulator the launcher started under either loopback name, and nothing else on loopback", () => {
    const s = settings({ HIC_DPS_EMULATOR_HOST: "localhost:8443" });
    expect(isDpsHostAllowed("localhost:8443", s)).toBe(true);
    expect(isDpsHostAllowed("127.0.0.1:8443", s)).toBe(true);
    expect(isDpsHostAllowed("localhost:8444", s)).toBe(false);
    expect(isDpsHostAllowed("127.0.0.1:5432", s)).toBe(false);
  });

  it("adds HIC_DPS_ALLOWED_HOSTS entries, with *. wildcards and explicit ports", () => {
    const s = settings({ HIC_DPS_ALLOWED_HOSTS: "*.dps.example.com, dps.internal:8443" });
    expect(isDpsHostAllowed("a.dps.example.com", s)).toBe(true);
    expect(isDpsHostAllowed("dps.example.com", s)).toBe(false);
    expect(isDpsHostAllowed("a.dps.example.com:8443", s)).toBe(false);
    expect(isDpsHostAllowed("dps.internal:8443", s)).toBe(true);
    expect(isDpsHostAllowed("dps.internal", s)).toBe(false);
  });

  it("rejects a malformed HIC_DPS_ALLOWED_HOSTS at start-up rather than ignoring it", () => {
    expect(() => settings({ HIC_DPS_ALLOWED_HOSTS: "https://dps.example.com/" })).toThrow(
      /HIC_DPS_ALLOWED_HOSTS/,
    );
  });

  it("is checked again at call time, before a request leaves", () => {
    expect(() => assertDpsUrlAllowed("https://127.0.0.1:5432/0ne/registrations/x")).toThrow(
      DpsHostNotAllowedError,
    );
    expect(() => assertDpsUrlAllowed("http://global.azure-devices-provisioning.net/x")).toThrow(
      DpsHostNotAllowedError,
    );
    expect(() =>
      assertDpsUrlAllowed("https://global.azure-devices-provisioning.net/0ne/registrations/x?api-version=1"),
    ).not.toThrow();
  });
});
