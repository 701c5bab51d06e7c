// Raw SQL: the scrape reads pg-boss's own tables (not in the drizzle schema) and the trigger-kept
// counts, one cheap statement per gauge, typed by hand.
import type pg from "pg";
import { Gauge, Registry } from "prom-client";
import { DEVICE_STATUSES } from "@/db/schema/device-statuses";
import { HUB_STATUSES } from "@/db/schema/hub-statuses";

/**
 * Counts only the database knows (devices by status and hub, the queue, the DPS circuit), read at
 * scrape time. Every process can serve them, at `/metrics/fleet`, but they describe the whole
 * fleet: scrape that path from ONE target (README "Operating"), or the sums double. Each scrape is
 * three small queries: device_counts is kept exact by triggers (no scan of devices), the queue
 * counts read pg-boss's job table by state, and the circuit is one row.
 */

/** Hubs beyond this many (the ones with the fewest devices) are summed under `hub="other"`. */
export const MAX_HUB_LABELS = 20;
export const CIRCUIT_STATES = ["closed", "open", "key-refused"] as const;
export const QUEUE_STATES = ["created", "retry", "active"] as const;

const UNDEFINED_TABLE = "42P01";

type Queryable = Pick<pg.Pool, "query">;

export function createFleetRegistry(db: () => Queryable): Registry {
  const registry = new Registry();
  const registers = [registry];

  new Gauge({
    name: "hic_devices",
    help: `Devices by provisioning status and assigned IoT hub (hub="none" without one; beyond the ${MAX_HUB_LABELS} largest hubs, hub="other").`,
    labelNames: ["status", "hub"],
    registers,
    async collect() {
      const { rows } = await db().query<{ status: string; hub: string; count: string }>(
        "select status::text as status, hub, sum(count)::bigint as count from device_counts group by status, hub",
      );
      this.reset();
      for (const status of DEVICE_STATUSES) this.set({ status, hub: "none" }, 0);
      const byHub = new Map<string, number>();
      for (const row of rows) if (row.hub) byHub.set(row.hub, (byHub.get(row.hub) ?? 0) + Number(row.count));
      const named = new Set(
        [...byHub.entries()]
          .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
          .slice(0, MAX_HUB_LABELS)
          .map(([hub]) => hub),
      );
      for (const row of rows) {
        const hub = row.hub === "" ? "none" : named.has(row.hub) ? row.hub : "other";
        this.inc({ status: row.status, hub }, Number(row.count));
      }
    },
  });

  new Gauge({
    name: "hic_devices_by_hub_status",
    help: "Devices by the outcome of their last hub check (unchecked, connected, refused, unreachable), from the trigger-kept device_hub_counts.",
    labelNames: ["hub_status"],
    registers,
    async collect() {
      this.reset();
      for (const hubStatus of HUB_STATUSES) this.set({ hub_status: hubStatus }, 0);
      const { rows } = await db().query<{ hub_status: string; count: string }>(
        "select hub_status::text as hub_status, count from device_hub_counts",
      );
      for (const row of rows) this.set({ hub_status: row.hub_status }, Number(row.count));
    },
  });

  // Two gauges come from each of these queries; prom-client collects the gauges of a scrape
  // concurrently, so both await the same read.
  const queue = oncePerScrape(async () => {
    try {
      // Every queue pg-boss knows, so an empty one reads 0 rather than vanishing from the scrape.
      const [queues, jobs] = await Promise.all([
        db().query<{ name: string }>("select name from pgboss.queue"),
        db().query<{ name: string; state: string; count: string; age: number | null }>(
          `select name, state::text as state, count(*)::bigint as count,
                  extract(epoch from now() - min(start_after) filter (where state in ('created', 'retry') and start_after <= now()))::float8 as age
             from pgboss.job where state in ('created', 'retry', 'active') group by name, state`,
        ),
      ]);
      return { queues: queues.rows.map((row) => row.name), rows: jobs.rows };
    } catch (error) {
      // pg-boss makes its schema when the first engine starts: until then no queue has any job.
      if ((error as { code?: string }).code === UNDEFINED_TABLE) return { queues: [], rows: [] };
      throw error;
    }
  });
  new Gauge({
    name: "hic_queue_jobs",
    help: "pg-boss jobs by queue and state (created = waiting, retry = waiting after a failure, active = being worked on).",
    labelNames: ["queue", "state"],
    registers,
    async collect() {
      const { queues, rows } = await queue();
      this.reset();
      for (const name of queues) for (const state of QUEUE_STATES) this.set({ queue: name, state }, 0);
      for (const row of rows) this.set({ queue: row.name, state: row.state }, Number(row.count));
    },
  });
  new Gauge({
    name: "hic_queue_oldest_job_age_seconds",
    help: "Seconds the oldest job that is due (start time reached) has waited for a worker, per queue; 0 when none waits.",
    labelNames: ["queue"],
    registers,
    async collect() {
      const { queues, rows } = await queue();
      this.reset();
      const ages = new Map<string, number>(queues.map((name) => [name, 0]));
      for (const row of rows)
        ages.set(row.name, Math.max(ages.get(row.name) ?? 0, Math.max(0, row.age ?? 0)));
      for (const [name, age] of ages) this.set({ queue: name }, age);
    },
  });

  const circuit = oncePerScrape(async () => {
    const { rows } = await db().query<{ state: string; open_seconds: number | null }>(
      "select state, extract(epoch from now() - since)::float8 as open_seconds from dps_circuit where id = 'dps'",
    );
    const state = rows[0]?.state ?? "closed";
    return { state, openSeconds: state === "closed" ? 0 : Math.max(0, rows[0]?.open_seconds ?? 0) };
  });
  new Gauge({
    name: "hic_dps_circuit_state",
    help: "The fleet's DPS circuit: 1 for the current state (closed, open = DPS unreachable, key-refused), 0 for the others.",
    labelNames: ["state"],
    registers,
    async collect() {
      const { state } = await circuit();
      for (const known of CIRCUIT_STATES) this.set({ state: known }, known === state ? 1 : 0);
    },
  });
  new Gauge({
    name: "hic_dps_circuit_open_seconds",
    help: "Seconds since the DPS circuit opened (or the key was refused); 0 while closed.",
    registers,
    async collect() {
      this.set((await circuit()).openSeconds);
    },
  });

  return registry;
}

/** Shares one read among the callers of the same scrape (within a second). */
function oncePerScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | null = null;
  return () => {
    const now = Date.now();
    if (!last || now - last.at > 1_000) {
      const value = read();
      last = { at: now, value };
      value.catch(() => {
        last = null;
      });
    }
    return last.value;
  };
}
