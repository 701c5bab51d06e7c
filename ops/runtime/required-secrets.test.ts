import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  ensureSecrets,
  isValidActionsKey,
  isValidSecretKey,
  MissingSecretsError,
  secretsForRole,
} from "./required-secrets";

type Given = Partial<
  Record<"AUTH_SECRET" | "HIC_SECRET_KEY" | "NEXT_SERVER_ACTIONS_ENCRYPTION_KEY" | "NODE_ENV", string>
>;
const env = (vars: Given) => vars as Parameters<typeof ensureSecrets>[1];
const tempDir = () => mkdtempSync(path.join(os.tmpdir(), "hic-secrets-"));
const key = (fill: number, bytes = 32) => Buffer.alloc(bytes, fill).toString("base64");

describe("secrets bootstrap", () => {
  it("generates every secret once into files readable only by the owner, then reuses them", () => {
    const dir = tempDir();
    const notices: string[] = [];
    const first = ensureSecrets(dir, env({}), (m) => notices.push(m));
    expect(isValidSecretKey(first.HIC_SECRET_KEY!)).toBe(true);
    expect(isValidActionsKey(first.NEXT_SERVER_ACTIONS_ENCRYPTION_KEY!)).toBe(true);
    expect(notices).toHaveLength(3);
    expect(statSync(path.join(dir, "hic_secret_key.secret")).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dir, "next_server_actions_encryption_key.secret")).mode & 0o777).toBe(0o600);
    const second = ensureSecrets(dir, env({}), (m) => notices.push(m));
    expect(second).toEqual(first);
    expect(notices).toHaveLength(3);
    expect(readFileSync(path.join(dir, "auth_secret.secret"), "utf8").trim()).toBe(first.AUTH_SECRET);
  });

  it("prefers the environment", () => {
    const given = {
      AUTH_SECRET: "from-env",
      HIC_SECRET_KEY: key(1),
      NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: key(2, 16),
    };
    expect(ensureSecrets(tempDir(), env(given), () => {})).toEqual(given);
  });

  it("refuses to start in production when a secret the role needs is missing, naming it", () => {
    expect(() =>
      ensureSecrets(tempDir(), env({ NODE_ENV: "production", AUTH_SECRET: "x" }), () => {}),
    ).toThrow(MissingSecretsError);
    expect(() =>
      ensureSecrets(tempDir(), env({ NODE_ENV: "production", AUTH_SECRET: "x" }), () => {}),
    ).toThrow(/HIC_SECRET_KEY and NEXT_SERVER_ACTIONS_ENCRYPTION_KEY/);
    // A worker serves no pages: it needs only the key-encryption key.
    const worker = ensureSecrets(
      tempDir(),
      env({ NODE_ENV: "production", HIC_SECRET_KEY: key(3) }),
      () => {},
      secretsForRole("worker"),
    );
    expect(worker).toEqual({ HIC_SECRET_KEY: key(3) });
  });

  it("rejects keys of the wrong size or encoding", () => {
    expect(() =>
      ensureSecrets(
        tempDir(),
        env({ AUTH_SECRET: "x", HIC_SECRET_KEY: "short", NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: key(2) }),
        () => {},
      ),
    ).toThrow(/32 random bytes/);
    expect(() =>
      ensureSecrets(
        tempDir(),
        env({ AUTH_SECRET: "x", HIC_SECRET_KEY: key(1), NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: key(2, 20) }),
        () => {},
      ),
    ).toThrow(/16, 24 or 32 random bytes/);
    expect(isValidActionsKey(key(2, 24))).toBe(true);
    expect(isValidActionsKey("not base64!")).toBe(false);
  });
});
