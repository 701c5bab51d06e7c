import { env, type Env } from "@/lib/env";

/** The two settings the policy reads (lib/env.ts); tests pass their own. */
export type DpsHostSettings = Pick<Env, "HIC_DPS_EMULATOR_HOST" | "HIC_DPS_ALLOWED_HOSTS">;

/**
 * Which DPS endpoints the server may send requests (and SAS tokens) to. The hostname is typed by
 * an administrator, so without a policy the server could be made to call anything it can reach
 * (the database port, a cloud metadata address, an intranet service). Allowed: Azure's DPS
 * endpoints in the public and sovereign clouds on port 443, the local emulator the launcher
 * started, and whatever HIC_DPS_ALLOWED_HOSTS adds.
 */
export const AZURE_DPS_DOMAINS = [
  "azure-devices-provisioning.net", // Azure public cloud (global.azure-devices-provisioning.net)
  "azure-devices-provisioning.cn", // Azure operated by 21Vianet (China)
  "azure-devices-provisioning.us", // Azure Government (US)
] as const;

const HTTPS_PORT = 443;
const LOOPBACK_NAMES = ["localhost", "127.0.0.1"];

function split(hostAndPort: string): { name: string; port: number } | null {
  const match = /^([a-z0-9.*-]+)(?::(\d{1,5}))?$/.exec(hostAndPort.trim().toLowerCase());
  if (!match) return null;
  return { name: match[1]!, port: match[2] ? Number(match[2]) : HTTPS_PORT };
}

function matches(pattern: string, host: { name: string; port: number }): boolean {
  const wanted = split(pattern);
  if (!wanted || wanted.port !== host.port) return false;
  if (wanted.name.startsWith("*."))
    return host.name.endsWith(wanted.name.slice(1)) && host.name.length > wanted.name.length - 1;
  return wanted.name === host.name;
}

/** The patterns in force, for messages and the README. */
export function allowedDpsHostPatterns(settings: DpsHostSettings = env()): string[] {
  const patterns: string[] = AZURE_DPS_DOMAINS.map((domain) => `*.${domain}`);
  const emulator = settings.HIC_DPS_EMULATOR_HOST ? split(settings.HIC_DPS_EMULATOR_HOST) : null;
  if (emulator) {
    // The emulator's certificate names both loopback spellings; either reaches the same server.
    const names = LOOPBACK_NAMES.includes(emulator.name) ? LOOPBACK_NAMES : [emulator.name];
    for (const name of names) patterns.push(`${name}:${emulator.port}`);
  }
  return [...patterns, ...settings.HIC_DPS_ALLOWED_HOSTS];
}

/** `host` as the validated form field gives it (`host` or `host:port`, lower case). */
export function isDpsHostAllowed(host: string, settings: DpsHostSettings = env()): boolean {
  const target = split(host);
  if (!target || target.name.includes("*")) return false;
  return allowedDpsHostPatterns(settings).some((pattern) => matches(pattern, target));
}

export function dpsHostRefusal(host: string, settings: DpsHostSettings = env()): string | null {
  if (isDpsHostAllowed(host, settings)) return null;
  return `This server only connects to Azure DPS endpoints (*.azure-devices-provisioning.net, .cn or .us on port 443)${
    settings.HIC_DPS_EMULATOR_HOST ? ` and the local emulator (${settings.HIC_DPS_EMULATOR_HOST})` : ""
  }. To use ${host}, the server's administrator must add it to HIC_DPS_ALLOWED_HOSTS.`;
}

export class DpsHostNotAllowedError extends Error {
  readonly code = "HIC_DPS_HOST_NOT_ALLOWED";
}

/** For the DPS client's fetch: refuses a request to a host outside the policy before any byte (or SAS token) leaves. */
export function assertDpsUrlAllowed(url: string): void {
  let host: string;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "https:")
      throw new DpsHostNotAllowedError(`Only HTTPS requests go to DPS (not ${parsed.protocol}).`);
    host = parsed.port ? `${parsed.hostname}:${parsed.port}` : parsed.hostname;
  } catch (error) {
    if (error instanceof DpsHostNotAllowedError) throw error;
    throw new DpsHostNotAllowedError("The DPS address is not a valid URL.");
  }
  const refusal = dpsHostRefusal(host);
  if (refusal) throw new DpsHostNotAllowedError(refusal);
}
