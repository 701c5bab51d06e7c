import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { env, type Env } from "@/lib/env";

/** The secrets the app cannot run without: Auth.js session signing and the key-encryption key. */
export const REQUIRED_SECRETS = ["AUTH_SECRET", "HIC_SECRET_KEY"] as const;
export type SecretName = (typeof REQUIRED_SECRETS)[number];

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

/**
 * Takes each secret from the environment, or on a local run generates it once into the data
 * directory (mode 600) so restarts keep sessions and stored keys readable.
 */
export function ensureSecrets(
  dataDir: string,
  given: Partial<Pick<Env, SecretName | "NODE_ENV">> = env(),
  notice: (message: string) => void = console.log,
): Record<SecretName, string> {
  const missing = REQUIRED_SECRETS.filter((name) => !given[name]);
  if (missing.length > 0 && given.NODE_ENV === "production") throw new MissingSecretsError(missing);

  const result = {} as Record<SecretName, string>;
  for (const name of REQUIRED_SECRETS) {
    const fromEnv = given[name];
    if (fromEnv) {
      if (name === "HIC_SECRET_KEY" && !isValidSecretKey(fromEnv)) {
        throw new Error("HIC_SECRET_KEY must be 32 random bytes in base64 (44 characters ending in '=').");
      }
      result[name] = fromEnv;
      continue;
    }
    const file = path.join(dataDir, `${name.toLowerCase()}.secret`);
    if (existsSync(file)) {
      result[name] = readFileSync(file, "utf8").trim();
    } else {
      result[name] = randomBytes(32).toString("base64");
      writeFileSync(file, `${result[name]}\n`, { mode: 0o600 });
      notice(`Generated ${name} into ${file} (set ${name} in the environment to manage it yourself).`);
    }
  }
  return result;
}
