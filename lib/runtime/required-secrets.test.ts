import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureSecrets, isValidSecretKey, MissingSecretsError } from "./required-secrets";

const env = (vars: Partial<Record<"AUTH_SECRET" | "HIC_SECRET_KEY" | "NODE_ENV", string>>) => vars as Parameters<typeof ensureSecrets>[1];
const tempDir = () => mkdtempSync(path.join(os.tmpdir(), "hic-secrets-"));

describe("secrets bootstrap", () => {
  it("generates both secrets once into files readable only by the owner, then reuses them", () => {
    const dir = tempDir();
    const notices: string[] = [];
    const first = ensureSecrets(dir, env({}), (m) => notices.push(m));
    expect(isValidSecretKey(first.HIC_SECRET_KEY)).toBe(true);
    expect(notices).toHaveLength(2);
    expect(statSync(path.join(dir, "hic_secret_key.secret")).mode & 0o777).toBe(0o600);
    const second = ensureSecrets(dir, env({}), (m) => notices.push(m));
    expect(second).toEqual(first);
    expect(notices).toHaveLength(2);
    expect(readFileSync(path.join(dir, "auth_secret.secret"), "utf8").trim()).toBe(first.AUTH_SECRET);
  });

  it("prefers the environment", () => {
    const key = Buffer.alloc(32, 1).toString("base64");
    expect(ensureSecrets(tempDir(), env({ AUTH_SECRET: "from-env", HIC_SECRET_KEY: key }), () => {})).toEqual({ AUTH_SECRET: "from-env", HIC_SECRET_KEY: key });
  });

  it("refuses to start in production when a secret is missing, naming it", () => {
    expect(() => ensureSecrets(tempDir(), env({ NODE_ENV: "production", AUTH_SECRET: "x" }), () => {})).toThrow(MissingSecretsError);
    expect(() => ensureSecrets(tempDir(), env({ NODE_ENV: "production", AUTH_SECRET: "x" }), () => {})).toThrow(/HIC_SECRET_KEY/);
  });

  it("rejects a key-encryption key that is not 32 bytes of base64", () => {
    expect(() => ensureSecrets(tempDir(), env({ AUTH_SECRET: "x", HIC_SECRET_KEY: "short" }), () => {})).toThrow(/32 random bytes/);
  });
});
