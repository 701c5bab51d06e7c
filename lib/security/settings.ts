import { cpus } from "node:os";
import { isIP } from "node:net";
import { z } from "zod";

/**
 * Every setting that protects the app from hostile clients, read from the environment in one
 * place. Bad values stop the app with a message naming the variable rather than being ignored.
 */
export type SecuritySettings = {
  /** Addresses and CIDR blocks of the reverse proxies whose X-Forwarded-For entries are believed. */
  trustedProxies: string[];
  /** Largest CSV upload accepted by the import route, in bytes. */
  importMaxBytes: number;
  /** Extra DPS endpoints (`host[:port]`, `*.` wildcards) an administrator may connect to. */
  dpsAllowedHosts: string[];
  /** `host:port` of the local DPS emulator the launcher started, or null. */
  dpsEmulatorHost: string | null;
  /** The emulator's CA certificate file, trusted for connections to `dpsEmulatorHost` only. */
  dpsEmulatorCaFile: string | null;
  /** Password hash computations allowed at once. */
  argon2Concurrency: number;
};

export const DEFAULT_IMPORT_MAX_BYTES = 100 * 1024 * 1024;

const UNITS: Record<string, number> = { "": 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

function isAddressOrCidr(entry: string): boolean {
  const [address, bits, ...rest] = entry.split("/");
  if (rest.length > 0 || !address) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

const HOST_PATTERN = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/;

const schema = z.object({
  HIC_TRUSTED_PROXIES: z
    .string()
    .optional()
    .transform(list)
    .refine((entries) => entries.every(isAddressOrCidr), "HIC_TRUSTED_PROXIES must be a comma-separated list of IP addresses or CIDR blocks, e.g. 10.0.0.0/8,::1."),
  HIC_IMPORT_MAX_BYTES: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === "") return DEFAULT_IMPORT_MAX_BYTES;
      const match = /^(\d+)\s*(kib|mib|gib)?$/i.exec(value.trim());
      const bytes = match ? Number(match[1]) * UNITS[(match[2] ?? "").toLowerCase()]! : NaN;
      if (!Number.isSafeInteger(bytes) || bytes < 1024) {
        ctx.addIssue({ code: "custom", message: "HIC_IMPORT_MAX_BYTES must be a number of bytes of at least 1024, optionally with KiB, MiB or GiB (e.g. 200MiB)." });
        return z.NEVER;
      }
      return bytes;
    }),
  HIC_DPS_ALLOWED_HOSTS: z
    .string()
    .optional()
    .transform((value) => list(value).map((entry) => entry.toLowerCase()))
    .refine(
      (entries) => entries.every((entry) => HOST_PATTERN.test(entry)),
      "HIC_DPS_ALLOWED_HOSTS must be a comma-separated list of host or host:port entries; a leading *. allows every subdomain (e.g. *.dps.example.com,dps.internal:8443).",
    ),
  HIC_DPS_EMULATOR_HOST: z
    .string()
    .optional()
    .transform((value) => (value?.trim() ? value.trim().toLowerCase() : null)),
  HIC_DPS_EMULATOR_CA_FILE: z
    .string()
    .optional()
    .transform((value) => (value?.trim() ? value.trim() : null)),
  HIC_ARGON2_CONCURRENCY: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === "") return Math.max(1, cpus().length - 1);
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > 64) {
        ctx.addIssue({ code: "custom", message: "HIC_ARGON2_CONCURRENCY must be a whole number from 1 to 64." });
        return z.NEVER;
      }
      return n;
    }),
});

const KEYS = ["HIC_TRUSTED_PROXIES", "HIC_IMPORT_MAX_BYTES", "HIC_DPS_ALLOWED_HOSTS", "HIC_DPS_EMULATOR_HOST", "HIC_DPS_EMULATOR_CA_FILE", "HIC_ARGON2_CONCURRENCY"] as const;

export class SecuritySettingsError extends Error {}

let cached: { raw: string; settings: SecuritySettings } | null = null;

/** The settings from `env`; re-read when the environment changed (tests change it). */
export function securitySettings(env: NodeJS.ProcessEnv = process.env): SecuritySettings {
  const raw = JSON.stringify(KEYS.map((key) => env[key] ?? null));
  if (cached && cached.raw === raw && env === process.env) return cached.settings;
  const parsed = schema.safeParse(Object.fromEntries(KEYS.map((key) => [key, env[key]])));
  if (!parsed.success) throw new SecuritySettingsError(parsed.error.issues.map((issue) => issue.message).join(" "));
  const settings: SecuritySettings = {
    trustedProxies: parsed.data.HIC_TRUSTED_PROXIES,
    importMaxBytes: parsed.data.HIC_IMPORT_MAX_BYTES,
    dpsAllowedHosts: parsed.data.HIC_DPS_ALLOWED_HOSTS,
    dpsEmulatorHost: parsed.data.HIC_DPS_EMULATOR_HOST,
    dpsEmulatorCaFile: parsed.data.HIC_DPS_EMULATOR_CA_FILE,
    argon2Concurrency: parsed.data.HIC_ARGON2_CONCURRENCY,
  };
  if (env === process.env) cached = { raw, settings };
  return settings;
}
