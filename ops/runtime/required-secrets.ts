import { createPrivateFileOnce } from "./private-file";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { env, type Env, type Role } from "@/lib/env";

/**
 * The secrets the app cannot run without: Auth.js session signing, the key-encryption key of stored
 * integration secrets, and the key Next.js derives server-action IDs from (and encrypts their bound
 * values with). Every instance sharing a database must hold the same ones (ops/fleet checks).
 */
export const REQUIRED_SECRETS = [
  "AUTH_SECRET",
  "HIC_SECRET_KEY",
  "NEXT_SERVER_ACTIONS_ENCRYPTION_KEY",
] as const;
export type SecretName = (typeof REQUIRED_SECRETS)[number];

/** A worker serves no pages: it only decrypts the stored DPS key. */
export function secretsForRole(role: Role): SecretName[] {
  return role === "worker" ? ["HIC_SECRET_KEY"] : [...REQUIRED_SECRETS];
}

export class MissingSecretsError extends Error {
  constructor(readonly missing: SecretName[]) {
    super(
      `Refusing to start: ${missing.join(" and ")} must be set in production ` +
        `(generate one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64'))").`,
    );
  }
}

export function isValidSecretKey(value: string): boolean {
  return /^[A-Za-z0-9+/]{43}=$/.test(value) && Buffer.from(value, "base64").length === 32;
}

/** Next.js accepts an AES key of 16, 24 or 32 bytes, in base64. */
export function isValidActionsKey(value: string): boolean {
  return (
    /^[A-Za-z0-9+/]+={0,2}$/.test(value) &&
    value.length % 4 === 0 &&
    [16, 24, 32].includes(Buffer.from(value, "base64").length)
  );
}

/**
 * Whether a secret looks drawn at random rather than typed: long enough, and not a handful of
 * characters (or bytes) repeated. Catches "changeme", "secret", a repeated character or an all-zero
 * key; a person's passphrase of 32 varied characters passes, which is the best a check can say.
 */
export function looksRandom(text: string, minLength = 32, minDistinct = 12): boolean {
  return text.length >= minLength && new Set(text).size >= minDistinct;
}

function keyLooksRandom(base64: string): boolean {
  const bytes = Buffer.from(base64, "base64");
  return new Set(bytes).size >= Math.min(12, bytes.length / 2);
}

const GENERATE = `generate one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`;

const FORMAT_PROBLEMS: Record<SecretName, { valid: (value: string) => boolean; message: string }> = {
  AUTH_SECRET: {
    valid: (value) => looksRandom(value),
    message: `AUTH_SECRET is too weak to sign sessions (at least 32 characters, drawn at random); ${GENERATE}.`,
  },
  HIC_SECRET_KEY: {
    valid: (value) => isValidSecretKey(value) && keyLooksRandom(value),
    message: `HIC_SECRET_KEY must be 32 random bytes in base64 (44 characters ending in '='), not a repeated pattern; ${GENERATE}.`,
  },
  NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: {
    valid: (value) => isValidActionsKey(value) && keyLooksRandom(value),
    message:
      "NEXT_SERVER_ACTIONS_ENCRYPTION_KEY must be 16, 24 or 32 random bytes in base64 (e.g. 44 characters ending in '=').",
  },
};

/** A secret that is there but could be guessed: the launcher prints the message as one line and stops. */
export class WeakSecretError extends Error {}

export type Secrets = Partial<Record<SecretName, string>>;

export function secretFile(dataDir: string, name: SecretName): string {
  return path.join(dataDir, `${name.toLowerCase()}.secret`);
}

/**
 * Takes each secret the role needs from the environment, or on a local run generates it once into
 * the data directory (mode 600) so restarts keep sessions, stored keys and the build valid.
 */
export function ensureSecrets(
  dataDir: string,
  given: Partial<Pick<Env, SecretName | "NODE_ENV">> = env(),
  notice: (message: string) => void = console.log,
  names: SecretName[] = [...REQUIRED_SECRETS],
): Secrets {
  const missing = names.filter((name) => !given[name]);
  if (missing.length > 0 && given.NODE_ENV === "production") throw new MissingSecretsError(missing);

  const result: Partial<Record<SecretName, string>> = {};
  for (const name of names) {
    const fromEnv = given[name];
    const format = FORMAT_PROBLEMS[name];
    if (fromEnv) {
      if (!format.valid(fromEnv)) throw new WeakSecretError(format.message);
      result[name] = fromEnv;
      continue;
    }
    const file = secretFile(dataDir, name);
    // Created whole with mode 600 or not at all, so two starts racing agree on one value.
    const { created, content } = createPrivateFileOnce(file, `${randomBytes(32).toString("base64")}\n`);
    result[name] = content.trim();
    if (created)
      notice(`Generated ${name} into ${file} (set ${name} in the environment to manage it yourself).`);
    else if (!format.valid(result[name]))
      throw new WeakSecretError(`${format.message.replace(/\.$/, "")} (it is in ${file}).`);
  }
  return result;
}

/**
 * The server-actions key the local build in `.next` is made with: the environment's, else the data
 * directory's (generated on first use). `npm start`, `npm test` and `npm run bench` share it, so
 * switching between them does not rebuild.
 */
export function localActionsKey(dataDir: string, notice: (message: string) => void = console.log): string {
  return ensureSecrets(dataDir, env(), notice, ["NEXT_SERVER_ACTIONS_ENCRYPTION_KEY"])
    .NEXT_SERVER_ACTIONS_ENCRYPTION_KEY!;
}
