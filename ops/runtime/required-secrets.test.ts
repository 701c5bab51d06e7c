import { describe, expect, it } from "vitest";
import { tempDirs } from "@/tests/support/temp-dirs";
import { randomBytes } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
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
const tempDir = tempDirs("hic-secrets-");
/** A key as random as a generated one, the same for the same seed. */
const key = (seed: number, bytes = 32) =>
  Buffer.from(Array.from({ length: bytes }, (_, i) => (seed * 97 + i * 31) % 256)).toString("base64");
const STRONG = randomBytes(32).toString("base64");

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
      AUTH_SECRET: STRONG,
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
        env({ AUTH_SECRET: STRONG, HIC_SECRET_KEY: "short", NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: key(2) }),
        () => {},
      ),
    ).toThrow(/32 random bytes/);
    expect(() =>
      ensureSecrets(
        tempDir(),
        env({ AUTH_SECRET: STRONG, HIC_SECRET_KEY: key(1), NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: key(2, 20) }),
        () => {},
      ),
    ).toThrow(/16, 24 or 32 random bytes/);
    expect(isValidActionsKey(key(2, 24))).toBe(true);
    expect(isValidActionsKey("not base64!")).toBe(false);
  });

  it("refuses weak secrets at start with one line saying how to make a strong one", () => {
    const strong = {
      AUTH_SECRET: STRONG,
      HIC_SECRET_KEY: key(1),
      NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: key(2),
    };
    for (const weak of ["changeme", "secret", "a".repeat(64), "abcabcabcabcabcabcabcabcabcabcabcabc"])
      expect(() => ensureSecrets(tempDir(), env({ ...strong, AUTH_SECRET: weak }), () => {})).toThrow(
        /^AUTH_SECRET is too weak[^\n]*randomBytes\(32\)[^\n]*$/,
      );
    for (const weak of [Buffer.alloc(32).toString("base64"), Buffer.alloc(32, 7).toString("base64")])
      expect(() => ensureSecrets(tempDir(), env({ ...strong, HIC_SECRET_KEY: weak }), () => {})).toThrow(
        /^HIC_SECRET_KEY must be 32 random bytes[^\n]*$/,
      );
    // A weak value someone wrote into the data directory is refused too, naming the file.
    const dir = tempDir();
    writeFileSync(path.join(dir, "auth_secret.secret"), "password\n");
    expect(() => ensureSecrets(dir, env({}), () => {})).toThrow(/too weak.*auth_secret\.secret/);
  });

  it("generates secrets that pass its own strength check, created whole and private even when files race", () => {
    const dir = tempDir();
    const values = Array.from({ length: 5 }, () => ensureSecrets(dir, env({}), () => {}));
    for (const v of values) expect(v).toEqual(values[0]);
    expect(ensureSecrets(tempDir(), env({}), () => {}).AUTH_SECRET!.length).toBeGreaterThanOrEqual(32);
    for (const name of ["auth_secret", "hic_secret_key", "next_server_actions_encryption_key"])
      expect(statSync(path.join(dir, `${name}.secret`)).mode & 0o777).toBe(0o600);
  });
});
