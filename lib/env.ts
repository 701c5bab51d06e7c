import { isIP } from "node:net";
import { cpus } from "node:os";
import { z } from "zod";
import { isLoopbackHost, parseMetricsAddress } from "./observability/metrics-address";
import { parseHubAddressRules } from "./iot-hub/hub-addresses";

/**
 * Over 300 lines on purpose: every setting in one list, with its default, its check and what it
 * means, is the point of this file (the README's table is rendered from it); split, the list
 * would be read in pieces.
 *
 * The app's configuration: every environment variable it reads, with its default and what it
 * means, validated once (on first use, which the launcher, the worker command and the web server's
 * start-up make the very start). Everything else reads `env()`, never `process.env`. The README's
 * configuration table is rendered from this list (`configurationTable()`), and a test fails when
 * the two differ.
 *
 * Outside this file only the command-line scripts and the tests touch `process.env`, plus
 * instrumentation.ts's `NEXT_RUNTIME` check (a constant Next.js's bundler substitutes, so the
 * Edge bundle can drop the Node-only import), and next.config.js, which Next.js loads on its own.
 */

/** An empty value means "not set", as `VAR= command` and the launcher's child environments use it. */
const blankAsUnset = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : value;

function optionalText() {
  return z.preprocess(blankAsUnset, z.string().optional());
}

function textWithDefault(fallback: string) {
  return z.preprocess(blankAsUnset, z.string().default(fallback));
}

function wholeNumber(min: number, fallback: number, max = Number.MAX_SAFE_INTEGER) {
  const message =
    max === Number.MAX_SAFE_INTEGER
      ? `must be a whole number of at least ${min}`
      : `must be a whole number from ${min} to ${max}`;
  return z.preprocess(
    blankAsUnset,
    z.coerce.number({ error: message }).int(message).min(min, message).max(max, message).default(fallback),
  );
}

function optionalPort() {
  const message = "must be a port number from 0 to 65535";
  return z.preprocess(
    blankAsUnset,
    z.coerce.number({ error: message }).int(message).min(0, message).max(65_535, message).optional(),
  );
}

function autoOrWholeNumber(min: number) {
  const message = `must be "auto" or a whole number of at least ${min}`;
  return z.preprocess(
    (value) => (typeof blankAsUnset(value) === "string" ? (value as string).trim().toLowerCase() : undefined),
    z
      .union([z.literal("auto"), z.coerce.number({ error: message }).int(message).min(min, message)], {
        error: message,
      })
      .default("auto"),
  );
}

function atLeast(min: number, fallback: number) {
  const message = `must be a number of at least ${min}`;
  return z.preprocess(blankAsUnset, z.coerce.number({ error: message }).min(min, message).default(fallback));
}

function optionalOnOff() {
  return z.preprocess(
    (value) => (typeof blankAsUnset(value) === "string" ? (value as string).trim().toLowerCase() : undefined),
    z.enum(["on", "off"], { error: 'must be "on" or "off"' }).optional(),
  );
}

/** What one `npm start` runs (see `HIC_ROLE`). */
export const ROLES = ["all", "web", "worker"] as const;
export type Role = (typeof ROLES)[number];

function onOff() {
  return z.preprocess(
    (value) => (typeof blankAsUnset(value) === "string" ? (value as string).trim().toLowerCase() : undefined),
    z.enum(["on", "off"], { error: 'must be "on" or "off"' }).default("on"),
  );
}

const postgresUrl = z.preprocess(
  blankAsUnset,
  z
    .string()
    .refine(
      (value) => URL.canParse(value) && ["postgres:", "postgresql:"].includes(new URL(value).protocol),
      {
        error: "must be a postgres:// connection URL",
      },
    )
    .optional(),
);

function commaList(value: string | undefined): string[] {
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

function addressList() {
  return z
    .preprocess(blankAsUnset, z.string().optional())
    .transform(commaList)
    .refine((entries) => entries.every(isAddressOrCidr), {
      error: "must be a comma-separated list of IP addresses or CIDR blocks, e.g. 10.0.0.0/8,::1",
    });
}

const HOST_PATTERN = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/;

function hostList() {
  return z
    .preprocess(blankAsUnset, z.string().optional())
    .transform((value) => commaList(value).map((entry) => entry.toLowerCase()))
    .refine((entries) => entries.every((entry) => HOST_PATTERN.test(entry)), {
      error:
        "must be a comma-separated list of host or host:port entries; a leading *. allows every subdomain (e.g. *.dps.example.com,dps.internal:8443)",
    });
}

function hubAddressRules() {
  return z.preprocess(blankAsUnset, z.string().optional()).transform((value, context) => {
    const { rules, errors } = parseHubAddressRules(value ?? "");
    for (const error of errors) context.addIssue({ code: "custom", message: error });
    return rules;
  });
}

function optionalHost() {
  return z.preprocess(blankAsUnset, z.string().optional()).transform((value) => value?.trim().toLowerCase());
}

const BYTE_UNITS: Record<string, number> = { "": 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** A size in bytes, plain or with a binary unit (`200MiB`). */
function byteSize(min: number, fallback: number) {
  const message = `must be a number of bytes of at least ${min}, optionally with KiB, MiB or GiB (e.g. 200MiB)`;
  return z.preprocess(blankAsUnset, z.string().optional()).transform((value, ctx) => {
    if (value === undefined) return fallback;
    const match = /^(\d+)\s*(kib|mib|gib)?$/i.exec(value.trim());
    const bytes = match ? Number(match[1]) * BYTE_UNITS[(match[2] ?? "").toLowerCase()]! : NaN;
    if (!Number.isSafeInteger(bytes) || bytes < min) {
      ctx.addIssue({ code: "custom", message });
      return z.NEVER;
    }
    return bytes;
  });
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

type Variable<S extends z.ZodType = z.ZodType> = {
  schema: S;
  /** As the README's table shows it. */
  default: string;
  /** Markdown, for the README's table. */
  meaning: string;
};

const variable = <S extends z.ZodType>(schema: S, fallback: string, meaning: string): Variable<S> => ({
  schema,
  default: fallback,
  meaning,
});

/** In the order the README lists them. */
const VARIABLES = {
  PORT: variable(wholeNumber(1, 3000, 65_535), "`3000`", "web server port"),
  HOST: variable(textWithDefault("127.0.0.1"), "`127.0.0.1`", "interface to listen on (`0.0.0.0` for all)"),
  DATABASE_URL: variable(
    postgresUrl,
    "unset",
    "PostgreSQL connection URL; unset = embedded PostgreSQL in the data directory",
  ),
  HIC_DB_POOL_SIZE: variable(wholeNumber(1, 10), "`10`", "database connections per process"),
  HIC_ENGINE_POOL_SIZE: variable(
    wholeNumber(1, 10),
    "`10`",
    "the provisioning engine's own database connections per process",
  ),
  HIC_DATA_DIR: variable(
    textWithDefault(".data"),
    "`.data`",
    "local state: embedded PostgreSQL, generated secrets, emulator CA and records",
  ),
  AUTH_SECRET: variable(
    optionalText(),
    "generated",
    "signs session cookies; generated once into the data directory on a local run, **required** when `NODE_ENV=production`",
  ),
  HIC_SECRET_KEY: variable(
    optionalText(),
    "generated",
    "32 random bytes, base64: the key-encryption key for stored integration secrets (AES-256-GCM); same rule as `AUTH_SECRET`",
  ),
  NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: variable(
    optionalText(),
    "generated",
    "16, 24 or 32 random bytes, base64: Next.js derives the server actions' IDs from it at build time and encrypts their bound values with it; every web server of a deployment needs the same one, when building and when running. Same rule as `AUTH_SECRET`",
  ),
  HIC_SECRET_KEY_OLD: variable(
    optionalText(),
    "unset",
    "`npm run secrets:rotate` only: the key the stored secrets are encrypted under now",
  ),
  HIC_ADMIN_EMAIL: variable(
    optionalText(),
    "unset",
    "with `HIC_ADMIN_PASSWORD`: create this administrator on first start instead of the browser step",
  ),
  HIC_ADMIN_PASSWORD: variable(
    optionalText(),
    "unset",
    "the first administrator's password (see `HIC_ADMIN_EMAIL`)",
  ),
  HIC_DPS_EMULATOR: variable(
    optionalOnOff(),
    "`on` with `HIC_ROLE=all`, else `off`",
    "whether `npm start` runs the local DPS emulator next to what `HIC_ROLE` starts",
  ),
  HIC_DPS_EMULATOR_PORT: variable(optionalPort(), "`8443`", "emulator port (a free one is used when taken)"),
  HIC_DPS_EMULATOR_HOST: variable(
    optionalHost(),
    "set by the launcher",
    "the local emulator's `host:port`: allowed as a DPS host besides Azure's (under both loopback names)",
  ),
  HIC_DPS_EMULATOR_CA_FILE: variable(
    optionalText(),
    "set by the launcher",
    "the local emulator's CA certificate (PEM file), trusted for connections to `HIC_DPS_EMULATOR_HOST` only",
  ),
  HIC_DPS_ALLOWED_HOSTS: variable(
    hostList(),
    "unset",
    "DPS endpoints allowed besides Azure's (`*.azure-devices-provisioning.net`, `.cn`, `.us` on port 443) and the local emulator: comma-separated `host[:port]`, `*.` for subdomains; without a port, 443",
  ),
  HIC_DPS_CA_FILE: variable(
    optionalText(),
    "unset",
    "a CA certificate (PEM file) trusted for DPS requests besides the public ones, for a DPS endpoint behind a private CA",
  ),
  NODE_EXTRA_CA_CERTS: variable(
    optionalText(),
    "unset",
    "extra CA bundle for a DPS endpoint behind a private CA (read by Node.js itself, for the whole process); `HIC_DPS_CA_FILE` trusts one for DPS requests only",
  ),
  HIC_IOT_HUB_ADDRESSES: variable(
    hubAddressRules(),
    "set by the launcher",
    "where the hub check connects for a hub hostname instead of its DNS name on 8883 (the local IoT Hub, a private endpoint, a test proxy): comma-separated `hub=host:port`, `*.` for subdomains (e.g. `*.azure-devices.net=10.0.0.5:8883`). Hubs named here are allowed besides Azure's (`*.azure-devices.net`, `.cn`, `.us`); set by the launcher for the local IoT Hub",
  ),
  HIC_IOT_HUB_SERVICE_ADDRESSES: variable(
    hubAddressRules(),
    "set by the launcher",
    "where the hub's service API (identity registry: saved hub connection strings) is reached for a hub hostname instead of its DNS name on 443: same `hub=host:port` syntax as `HIC_IOT_HUB_ADDRESSES` (e.g. `*.azure-devices.net=10.0.0.5:443`). The request keeps the hub's name as Host, TLS server name and token scope; `HIC_IOT_HUB_CA_FILE` is trusted. Hubs named here are allowed besides Azure's; set by the launcher for the local IoT Hub's HTTPS port",
  ),
  HIC_IOT_HUB_CA_FILE: variable(
    optionalText(),
    "set by the launcher",
    "a CA certificate (PEM file) trusted for hub connections only, besides the public ones (the local IoT Hub's, or a private endpoint's); set by the launcher for the local IoT Hub",
  ),
  HIC_IOT_HUB_CHECK: variable(
    onOff(),
    "`on`",
    "`off` = the engine does not connect to the assigned hub as the device after an assignment (hub status stays Not checked yet; **Check hub connection** still works)",
  ),
  HIC_IOT_HUB_CHECKS_PER_SECOND: variable(
    atLeast(0.1, 100),
    "`100`",
    "hub checks per second per hub, across all workers (each is one connection, one twin read and one reported patch: keep it under the hub's per-unit throttles)",
  ),
  HIC_ROLE: variable(
    z.preprocess(
      (value) =>
        typeof blankAsUnset(value) === "string" ? (value as string).trim().toLowerCase() : undefined,
      z.enum(ROLES, { error: `must be one of ${ROLES.join(", ")}` }).default("all"),
    ),
    "`all`",
    "what `npm start` runs: `all` = the web server with a provisioning worker inside; `web` = the web server only; `worker` = a provisioning worker only (as `npm run worker`). See Deploying",
  ),
  HIC_WORKER: variable(
    onOff(),
    "`on`",
    "`off` = no provisioning worker inside the web server (as `HIC_ROLE=web`; run `npm run worker` instead)",
  ),
  HIC_WORKER_CONCURRENCY: variable(
    autoOrWholeNumber(1),
    "`auto`",
    "DPS calls one worker process has in flight; `auto` = the configured quota × how long DPS takes per device (its `Retry-After`), shared among the running workers (64 when no quota is set)",
  ),
  HIC_WORKER_POLL_MS: variable(
    atLeast(50, 1_000),
    "`1000`",
    "how often an idle worker looks for queued work (a notification wakes it sooner)",
  ),
  HIC_LEASE_SECONDS: variable(
    atLeast(2, 90),
    "`90`",
    "how long one attempt may hold a device before another worker may take it over",
  ),
  HIC_MAX_ATTEMPTS: variable(
    wholeNumber(1, 6),
    "`6`",
    "attempts per request, automatic retries included, before a device shows Failed",
  ),
  HIC_RETRY_BASE_MS: variable(
    atLeast(0, 5_000),
    "`5000`",
    "first automatic retry delay; it doubles per attempt (with jitter), never sooner than DPS's `Retry-After`",
  ),
  HIC_RETRY_MAX_MS: variable(atLeast(1, 300_000), "`300000`", "longest delay between automatic retries"),
  HIC_SHUTDOWN_GRACE_MS: variable(
    atLeast(0, 5_000),
    "`5000`",
    "how long a stopping worker lets DPS calls in flight finish before it aborts them and hands them back (the launcher gives the web server 8 s in all)",
  ),
  HIC_HEARTBEAT_MS: variable(
    atLeast(100, 2_000),
    "`2000`",
    "how often each provisioning process records in the database that it is alive",
  ),
  HIC_HEARTBEAT_STALE_MS: variable(
    atLeast(500, 10_000),
    "`10000`",
    "a provisioning process silent this long is taken for dead (kill -9, crash): its attempts are taken over at once instead of after their lease",
  ),
  HIC_DPS_CIRCUIT_FAILURES: variable(
    wholeNumber(1, 5),
    "`5`",
    "failed DPS requests in a row (no connection, timeouts, 5xx, 429), counted across all workers, after which the engine stops sending device work and probes DPS instead",
  ),
  HIC_DPS_PROBE_MIN_MS: variable(
    atLeast(50, 1_000),
    "`1000`",
    "first wait before probing an unreachable DPS; it doubles per failed probe",
  ),
  HIC_DPS_PROBE_MAX_MS: variable(
    atLeast(50, 3_000),
    "`3000`",
    "longest wait between probes of an unreachable DPS (a probe is one status lookup)",
  ),
  HIC_TRUSTED_PROXIES: variable(
    addressList(),
    "unset",
    "comma-separated addresses or CIDR blocks of your reverse proxies (e.g. `10.0.0.0/8,::1`); only then is `X-Forwarded-For` read, from the right, skipping these hops. Unset: the client address is the socket's",
  ),
  HIC_IMPORT_MAX_BYTES: variable(
    byteSize(1024, 100 * 1024 ** 2),
    "`100MiB`",
    "largest CSV upload (bytes, or with `KiB`/`MiB`/`GiB`); larger ones get HTTP 413",
  ),
  HIC_IMPORT_MAX_CONCURRENT: variable(
    wholeNumber(1, 4, 1000),
    "`4`",
    "CSV imports running at once in one web server; more get HTTP 429 with `Retry-After`",
  ),
  HIC_IMPORT_MAX_PER_USER: variable(
    wholeNumber(1, 2, 1000),
    "`2`",
    "CSV imports one user may run at once; more get HTTP 429 with `Retry-After`",
  ),
  HIC_IMPORT_IDLE_MS: variable(
    atLeast(1_000, 30_000),
    "`30000`",
    "an upload that sends nothing for this long is ended (HTTP 408); the lines before are kept and reported",
  ),
  HIC_ARGON2_CONCURRENCY: variable(
    wholeNumber(1, Math.max(1, cpus().length - 1), 64),
    "cores − 1 (at least 1)",
    "password hashes computed at once; more sign-ins wait in line",
  ),
  HIC_METRICS_ADDRESS: variable(
    z.preprocess(
      blankAsUnset,
      z
        .string()
        .refine((value) => parseMetricsAddress(value) !== null, {
          error: "must be host:port (e.g. 127.0.0.1:9464, 0.0.0.0:9464 or [::1]:9464)",
        })
        .optional(),
    ),
    "unset (off)",
    "where each web server and worker serves its Prometheus metrics (`host:port`, port `0` = any free one): `/metrics` for the process, `/metrics/fleet` for the database's counts (scrape that from one target only). An address other than loopback requires `HIC_METRICS_TOKEN`. See Operating",
  ),
  HIC_METRICS_TOKEN: variable(
    z.preprocess(
      blankAsUnset,
      z.string().min(16, { error: "must be at least 16 characters (e.g. openssl rand -hex 32)" }).optional(),
    ),
    "unset",
    "bearer token every metrics request must carry (`Authorization: Bearer …`); required when `HIC_METRICS_ADDRESS` is not a loopback address",
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: variable(
    z.preprocess(
      blankAsUnset,
      z
        .string()
        .refine((value) => URL.canParse(value) && ["http:", "https:"].includes(new URL(value).protocol), {
          error:
            "must be an http:// or https:// URL (the collector's OTLP/HTTP base, e.g. http://127.0.0.1:4318)",
        })
        .optional(),
    ),
    "unset (off)",
    "OpenTelemetry collector (OTLP/HTTP): each web server and worker sends its traces to `<endpoint>/v1/traces`; `OTEL_EXPORTER_OTLP_HEADERS` adds headers (e.g. an API key). See Operating",
  ),
  LOG_LEVEL: variable(
    z.preprocess(
      blankAsUnset,
      z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
    ),
    "`info`",
    "server log level (pino)",
  ),
  NODE_ENV: variable(
    z.preprocess(
      blankAsUnset,
      z
        .enum(["development", "production", "test"], { error: "must be development, production or test" })
        .optional(),
    ),
    "unset",
    "`production` makes `AUTH_SECRET`, `HIC_SECRET_KEY` and `NEXT_SERVER_ACTIONS_ENCRYPTION_KEY` required (a worker needs only `HIC_SECRET_KEY`); Next.js sets it for the web server",
  ),
} satisfies Record<string, Variable>;

export type EnvName = keyof typeof VARIABLES;
export type Env = { [K in EnvName]: z.output<(typeof VARIABLES)[K]["schema"]> };

const schema = z.object(
  Object.fromEntries(Object.entries(VARIABLES).map(([name, { schema }]) => [name, schema])) as {
    [K in EnvName]: (typeof VARIABLES)[K]["schema"];
  },
);

/** Every invalid variable at once, each with what is wrong and the value given. */
export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration (see the README's Configuration table):\n${problems.map((problem) => `  ${problem}`).join("\n")}`,
    );
  }
}

/** Reads the configuration from `source`; throws an EnvError naming every bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = schema.safeParse(source);
  if (result.success) {
    const problems = crossChecks(result.data as Env);
    if (problems.length > 0) throw new EnvError(problems);
    return result.data as Env;
  }
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0]);
    const given = source[name];
    return `${name} ${issue.message}${given === undefined ? "" : ` (it is "${given.length > 60 ? `${given.slice(0, 60)}…` : given}")`}.`;
  });
  throw new EnvError(problems);
}

/** Rules that span two variables. */
function crossChecks(config: Env): string[] {
  const metrics = config.HIC_METRICS_ADDRESS ? parseMetricsAddress(config.HIC_METRICS_ADDRESS) : null;
  if (metrics && !isLoopbackHost(metrics.host) && !config.HIC_METRICS_TOKEN)
    return [
      `HIC_METRICS_ADDRESS is not a loopback address (it is "${config.HIC_METRICS_ADDRESS}"): set HIC_METRICS_TOKEN too, or metrics would be public.`,
    ];
  return [];
}

let current: Env | null = null;

/** This process's configuration, validated on first use and the same ever after. */
export function env(): Env {
  current ??= parseEnv(process.env);
  return current;
}

/**
 * For the command-line scripts, which learn some values only as they run (the embedded database's
 * URL, the key kept in the data directory) and hand them to the modules they call.
 */
export function setEnv(values: Partial<Env>): void {
  current = { ...env(), ...values };
}

/** Whether `npm start` runs the local DPS emulator: asked for explicitly, or by default only for `HIC_ROLE=all` (the local run). */
export function wantsDpsEmulator(config: Pick<Env, "HIC_DPS_EMULATOR" | "HIC_ROLE">): boolean {
  return (config.HIC_DPS_EMULATOR ?? (config.HIC_ROLE === "all" ? "on" : "off")) === "on";
}

/** The environment for a child process: this one's, plus `overrides` (an empty string unsets a variable for the child). */
export function childProcessEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

/** The README's configuration table, as Markdown lines. */
export function configurationTable(): string[] {
  return [
    "| variable | default | meaning |",
    "|---|---|---|",
    ...Object.entries(VARIABLES).map(
      ([name, { default: fallback, meaning }]) =>
        `| \`${name}\` | ${escapeCell(fallback)} | ${escapeCell(meaning)} |`,
    ),
  ];
}
