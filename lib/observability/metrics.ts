import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * This process's own Prometheus metrics (what it did: DPS requests, attempts, imports, pages). The
 * counts only the database knows (devices, queue, circuit) are in ./fleet-metrics.ts, served once
 * per fleet. Docs: README "Operating".
 *
 * Labels are bounded by construction: every label value comes from a fixed list in this file or
 * from the app's route table (never a registration ID, device ID, user, e-mail or hostname), so a
 * million devices add no series. `tests` check the label sets.
 *
 * Kept on `globalThis`: Next.js bundles server code into several chunks (instrumentation, pages,
 * actions), and each would otherwise get a registry of its own; scripts/web-server.mjs, outside
 * the bundle, records page timings through the same object.
 */

export const DPS_OPERATIONS = ["register", "poll", "status", "service"] as const;
export type DpsOperation = (typeof DPS_OPERATIONS)[number];

export const DPS_OUTCOMES = ["2xx", "4xx", "429", "5xx", "timeout", "network-error", "aborted"] as const;
export type DpsOutcome = (typeof DPS_OUTCOMES)[number];

/** `self`: no quota configured, so nothing paced us; `quota`: paced under the configured quota and refused anyway. */
export const THROTTLE_CAUSES = ["self", "quota"] as const;
export type ThrottleCause = (typeof THROTTLE_CAUSES)[number];

export const REGISTRATION_OUTCOMES = ["assigned", "failed", "disabled", "retrying"] as const;
export type RegistrationOutcome = (typeof REGISTRATION_OUTCOMES)[number];

export const HUB_CHECK_OUTCOMES = ["connected", "refused", "unreachable", "error"] as const;
export type HubCheckOutcome = (typeof HUB_CHECK_OUTCOMES)[number];

export const IMPORT_OUTCOMES = ["complete", "stopped", "failed"] as const;
export type ImportOutcome = (typeof IMPORT_OUTCOMES)[number];

export const REQUEST_KINDS = ["page", "action", "api", "static"] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

export const STATUS_CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"] as const;

export const SIGN_IN_EVENTS = ["throttled"] as const;

export const IMPORT_ROW_RESULTS = ["added", "duplicate", "refused"] as const;

export type HicMetrics = {
  registry: Registry;
  dpsRequests: Counter<"operation" | "outcome">;
  dpsRequestDuration: Histogram<"operation" | "outcome">;
  dpsThrottled: Counter<"cause">;
  registrations: Counter<"outcome">;
  hubChecks: Counter<"outcome">;
  importRows: Counter<"result">;
  importDuration: Histogram<"outcome">;
  httpRequestDuration: Histogram<"kind" | "route" | "method" | "status_class">;
  signInThrottled: Counter;
};

const KEY = Symbol.for("hic.metrics");

function create(): HicMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const created: HicMetrics = {
    registry,
    dpsRequests: new Counter({
      name: "hic_dps_requests_total",
      help: "HTTP requests this process sent to DPS, by operation and outcome (HTTP status class, timeout, network error).",
      labelNames: ["operation", "outcome"],
      registers,
    }),
    dpsRequestDuration: new Histogram({
      name: "hic_dps_request_duration_seconds",
      help: "Time from sending a DPS request to reading its whole answer.",
      labelNames: ["operation", "outcome"],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    dpsThrottled: new Counter({
      name: "hic_dps_throttled_total",
      help: "DPS 429 answers: cause=self when no quota is configured (nothing paced the requests), cause=quota when the fleet paced under the configured quota and DPS refused anyway.",
      labelNames: ["cause"],
      registers,
    }),
    registrations: new Counter({
      name: "hic_registrations_total",
      help: "Provisioning attempts recorded by this process, by outcome (retrying = another attempt is due).",
      labelNames: ["outcome"],
      registers,
    }),
    hubChecks: new Counter({
      name: "hic_hub_checks_total",
      help: "Checks of a device's connection to its IoT hub, by outcome.",
      labelNames: ["outcome"],
      registers,
    }),
    importRows: new Counter({
      name: "hic_import_rows_total",
      help: "CSV import rows, by result (added, duplicate, refused).",
      labelNames: ["result"],
      registers,
    }),
    importDuration: new Histogram({
      name: "hic_import_duration_seconds",
      help: "Time one CSV import took, upload included.",
      labelNames: ["outcome"],
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers,
    }),
    httpRequestDuration: new Histogram({
      name: "hic_http_request_duration_seconds",
      help: "Web requests by kind (page, server action, API route, static file), route pattern, method and status class.",
      labelNames: ["kind", "route", "method", "status_class"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    signInThrottled: new Counter({
      name: "hic_sign_in_throttled_total",
      help: "Sign-in attempts refused by the throttle (too many failures for the account or the address).",
      registers,
    }),
  };
  startAtZero(created);
  return created;
}

/**
 * Every series with a fixed list of label values is exported from the start, at 0: a counter that
 * first appears already at 600 (one import's rows) shows no increase to rate() or increase(), and
 * the dashboard would draw nothing. (The DPS latency histogram is left to appear with its first
 * request: 28 label sets × 14 series would be most of the scrape.)
 */
function startAtZero(m: HicMetrics): void {
  for (const operation of DPS_OPERATIONS)
    for (const outcome of DPS_OUTCOMES) m.dpsRequests.inc({ operation, outcome }, 0);
  for (const cause of THROTTLE_CAUSES) m.dpsThrottled.inc({ cause }, 0);
  for (const outcome of REGISTRATION_OUTCOMES) m.registrations.inc({ outcome }, 0);
  for (const outcome of HUB_CHECK_OUTCOMES) m.hubChecks.inc({ outcome }, 0);
  for (const result of IMPORT_ROW_RESULTS) m.importRows.inc({ result }, 0);
  for (const outcome of IMPORT_OUTCOMES) m.importDuration.zero({ outcome });
}

/** The process's metrics (created on first use). */
export function metrics(): HicMetrics {
  const holder = globalThis as unknown as Record<symbol, HicMetrics | undefined>;
  return (holder[KEY] ??= create());
}

/** Which DPS operation a request is, from its method and URL (device API paths; anything else is the service API). */
export function dpsOperationOf(method: string, url: string): DpsOperation {
  const path = url.split("?")[0] ?? "";
  if (method === "PUT" && path.endsWith("/register")) return "register";
  if (method === "GET" && path.includes("/operations/")) return "poll";
  if (method === "POST" && /\/registrations\/[^/]+$/.test(path)) return "status";
  return "service";
}

export function dpsOutcomeOf(status: number): DpsOutcome {
  if (status === 429) return "429";
  if (status >= 500) return "5xx";
  if (status >= 400) return "4xx";
  return "2xx";
}

/** One DPS request, timed: the single hook lib/dps/http.ts calls. */
export function recordDpsRequest(method: string, url: string, outcome: DpsOutcome, seconds: number): void {
  const labels = { operation: dpsOperationOf(method, url), outcome };
  const m = metrics();
  m.dpsRequests.inc(labels);
  m.dpsRequestDuration.observe(labels, seconds);
}
