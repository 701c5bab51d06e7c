/**
 * Where to connect for a hub hostname when it is not its own DNS name: the local emulator, a
 * private endpoint, a test proxy. Rules are `hub=host:port` with `*.` for subdomains; the most
 * specific rule wins (an exact name before any `*.` rule, a longer suffix before a shorter one).
 */
export type HubAddressRule = { pattern: string; host: string; port: number };
export type HubAddress = { host: string; port: number };

export const MQTT_TLS_PORT = 8883;

const HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const PATTERN = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/** Parses the setting; each error names the rule at fault. */
export function parseHubAddressRules(text: string): { rules: HubAddressRule[]; errors: string[] } {
  const rules: HubAddressRule[] = [];
  const errors: string[] = [];
  for (const raw of text.split(",")) {
    const rule = raw.trim().toLowerCase();
    if (!rule) continue;
    const eq = rule.indexOf("=");
    const pattern = eq > 0 ? rule.slice(0, eq).trim() : "";
    const target = eq > 0 ? rule.slice(eq + 1).trim() : "";
    const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+):(\d{1,5})$/.exec(target);
    const port = match ? Number(match[2]) : 0;
    if (!PATTERN.test(pattern) || !match || port < 1 || port > 65535) {
      errors.push(`"${raw.trim()}" is not hub=host:port (hub may start with *.)`);
      continue;
    }
    rules.push({ pattern, host: match[1]!.replace(/^\[|\]$/g, ""), port });
  }
  return { rules, errors };
}

function specificity(pattern: string): number {
  return pattern.startsWith("*.") ? pattern.length : Number.MAX_SAFE_INTEGER;
}

function matches(pattern: string, hubHost: string): boolean {
  if (!pattern.startsWith("*.")) return pattern === hubHost;
  const suffix = pattern.slice(1);
  return hubHost.endsWith(suffix) && hubHost.length > suffix.length;
}

/** The port of the hub's service REST API (HTTPS). */
export const HUB_HTTPS_PORT = 443;

/** The address to connect to for `hubHost`: a rule's, or the hub's own name on `defaultPort` (MQTT's 8883 unless told). */
export function resolveHubAddress(
  hubHost: string,
  rules: readonly HubAddressRule[],
  defaultPort: number = MQTT_TLS_PORT,
): HubAddress {
  const host = hubHost.toLowerCase();
  let best: HubAddressRule | null = null;
  for (const rule of rules)
    if (matches(rule.pattern, host) && (!best || specificity(rule.pattern) > specificity(best.pattern)))
      best = rule;
  return best ? { host: best.host, port: best.port } : { host, port: defaultPort };
}

export function isValidHubHostname(hubHost: string): boolean {
  return hubHost.length <= 253 && HOST.test(hubHost.toLowerCase());
}

/** Whether some rule names this hub (the operator pointed it somewhere on purpose). */
export function hasHubAddressRule(hubHost: string, rules: readonly HubAddressRule[]): boolean {
  const host = hubHost.toLowerCase();
  return rules.some((rule) => matches(rule.pattern, host));
}
