import { sql } from "drizzle-orm";
import { check, index, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/**
 * DPS's health as every worker process sees it: one row (`dps`), changed only by atomic
 * statements (lib/provisioning/health). `closed`: work flows; `open`: DPS is unreachable, nobody
 * sends device work and one worker at a time probes it; `key-refused`: DPS refused every stored
 * group key, nobody calls it until the key changes (a save) or a connection test succeeds.
 */
export const dpsCircuit = pgTable(
  "dps_circuit",
  {
    id: text().primaryKey(),
    state: text().notNull().default("closed"),
    /** Failed DPS requests in a row, fleet-wide, with no answer in between. */
    consecutiveFailures: integer().notNull().default(0),
    failingSince: timestamp({ withTimezone: true }),
    /** Open or key refused since. */
    since: timestamp({ withTimezone: true }),
    nextProbeAt: timestamp({ withTimezone: true }),
    /** Probes that failed since the circuit opened: the backoff's exponent. */
    failedProbes: integer().notNull().default(0),
    /** The process probing now, and until when its claim holds. */
    probeOwner: uuid(),
    probeUntil: timestamp({ withTimezone: true }),
    lastErrorKind: text(),
    lastErrorMessage: text(),
    /** For `key-refused`: the integration version whose keys DPS refused; a save changes it. */
    refusedVersion: integer(),
    changedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check("dps_circuit_state_check", sql`${t.state} in ('closed', 'open', 'key-refused')`)],
);

/**
 * Every process running the provisioning engine, with a heartbeat. An attempt names its process
 * (devices.attempt_owner): when that process's heartbeat goes stale (kill -9, a crash, a lost
 * machine) its attempts are taken over at once instead of after their lease.
 */
export const provisioningProcesses = pgTable(
  "provisioning_processes",
  {
    id: uuid().primaryKey(),
    /** `worker` while a worker loop runs in it; `inline` for a web server that only provisions on request. */
    role: text().notNull(),
    host: text().notNull(),
    pid: integer().notNull(),
    startedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    heartbeatAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("provisioning_processes_heartbeat_idx").on(t.heartbeatAt)],
);

export type DpsCircuitRow = typeof dpsCircuit.$inferSelect;
