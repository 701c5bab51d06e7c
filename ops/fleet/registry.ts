import { randomUUID } from "node:crypto";
import os from "node:os";
import pg from "pg";
import { CODE_SCHEMA_VERSION } from "@/db/schema-version";
import type { Role } from "@/lib/env";
import { fingerprint } from "@/ops/launcher/build-id.cjs";
import type { Secrets } from "@/ops/runtime/required-secrets";
import {
  FLEET_TTL_SECONDS,
  HEARTBEAT_SECONDS,
  refusalFor,
  servesPages,
  type InstanceFacts,
  type RunningInstance,
} from "./agreement";
import { surviveLostConnections } from "@/db/lost-connections";
import { queryBuilder, type QueryBuilder } from "@/db/query-builder";
import { fleetBuilds, fleetInstances } from "@/db/schema/fleet";
import { eq, lt, ne, sql } from "drizzle-orm";

/** Serialises joins, so two instances starting at the same moment with different keys cannot both pass. */
const JOIN_LOCK = 727004;

export class FleetRefusal extends Error {}

export type FleetMember = {
  id: string;
  /** The instance answers requests (web) or works (worker) now. */
  markServing(): Promise<void>;
  /** Stops the heartbeat and removes the instance's row. */
  leave(): Promise<void>;
};

/** Fingerprints of the secrets the role uses (never the secrets themselves). */
export function instanceFacts(role: Role, buildId: string | null, secrets: Secrets): InstanceFacts {
  if (!secrets.HIC_SECRET_KEY) throw new Error("HIC_SECRET_KEY is needed to join the fleet.");
  const web = servesPages(role);
  const print = (name: string, value: string | undefined) => (web && value ? fingerprint(name, value) : null);
  return {
    role,
    host: os.hostname(),
    pid: process.pid,
    buildId: web ? buildId : null,
    actionsKeyFingerprint: print(
      "NEXT_SERVER_ACTIONS_ENCRYPTION_KEY",
      secrets.NEXT_SERVER_ACTIONS_ENCRYPTION_KEY,
    ),
    authSecretFingerprint: print("AUTH_SECRET", secrets.AUTH_SECRET),
    secretKeyFingerprint: fingerprint("HIC_SECRET_KEY", secrets.HIC_SECRET_KEY),
  };
}

async function join(pool: pg.Pool, id: string, me: InstanceFacts, ttlSeconds: number): Promise<void> {
  await queryBuilder(pool).transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${JOIN_LOCK})`);
    await tx
      .delete(fleetInstances)
      .where(lt(fleetInstances.seenAt, sql`now() - make_interval(secs => ${ttlSeconds})`));
    let myBuildFirstSeenAt: Date | null = null;
    if (me.buildId) {
      await tx.insert(fleetBuilds).values({ buildId: me.buildId }).onConflictDoNothing();
      const [build] = await tx
        .select({ firstSeenAt: fleetBuilds.firstSeenAt })
        .from(fleetBuilds)
        .where(eq(fleetBuilds.buildId, me.buildId));
      myBuildFirstSeenAt = build!.firstSeenAt;
    }
    const rows = await tx
      .select({
        role: fleetInstances.role,
        host: fleetInstances.host,
        pid: fleetInstances.pid,
        buildId: fleetInstances.buildId,
        actionsKeyFingerprint: fleetInstances.actionsKeyFingerprint,
        authSecretFingerprint: fleetInstances.authSecretFingerprint,
        secretKeyFingerprint: fleetInstances.secretKeyFingerprint,
        serving: fleetInstances.serving,
        buildFirstSeenAt: fleetBuilds.firstSeenAt,
      })
      .from(fleetInstances)
      .leftJoin(fleetBuilds, eq(fleetBuilds.buildId, fleetInstances.buildId))
      .where(ne(fleetInstances.id, id));
    const running: RunningInstance[] = rows.map((row) => ({ ...row, role: row.role as Role }));
    const refusal = refusalFor(me, myBuildFirstSeenAt, running);
    if (refusal) throw new FleetRefusal(refusal);
    await insertRow(tx, id, me, false);
  });
}

function insertRow(db: QueryBuilder, id: string, me: InstanceFacts, serving: boolean) {
  return db
    .insert(fleetInstances)
    .values({
      id,
      role: me.role,
      host: me.host,
      pid: me.pid,
      buildId: me.buildId,
      actionsKeyFingerprint: me.actionsKeyFingerprint,
      authSecretFingerprint: me.authSecretFingerprint,
      secretKeyFingerprint: me.secretKeyFingerprint,
      schemaVersion: CODE_SCHEMA_VERSION,
      serving,
    })
    .onConflictDoUpdate({
      target: fleetInstances.id,
      set: { seenAt: sql`now()`, serving: sql`excluded.serving` },
    });
}

/**
 * Records this instance in the database it shares with the others, after checking that it agrees
 * with the running ones (ops/fleet/agreement.ts; FleetRefusal with one line otherwise), and keeps
 * the record fresh. A database outage is logged once and ridden out: the heartbeat resumes (and
 * re-records the instance if its row expired meanwhile) when the database is back.
 */
export async function joinFleet(
  databaseUrl: string,
  me: InstanceFacts,
  options: { log?: (line: string) => void; ttlSeconds?: number; heartbeatSeconds?: number } = {},
): Promise<FleetMember> {
  const ttlSeconds = options.ttlSeconds ?? FLEET_TTL_SECONDS;
  const log = options.log ?? (() => {});
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 1,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: "hic-fleet",
  });
  surviveLostConnections(pool); // a connection cut by the server: the next heartbeat reconnects
  const id = randomUUID();
  try {
    await join(pool, id, me, ttlSeconds);
  } catch (error) {
    await pool.end();
    throw error;
  }

  const db = queryBuilder(pool);
  let serving = false;
  let lost = false;
  let beating = false;
  const beat = async () => {
    if (beating) return;
    beating = true;
    try {
      const { rowCount } = await db
        .update(fleetInstances)
        .set({ seenAt: sql`now()` })
        .where(eq(fleetInstances.id, id));
      if (rowCount === 0) await insertRow(db, id, me, serving);
      if (lost) log("The database is reachable again.");
      lost = false;
    } catch (error) {
      if (!lost)
        log(
          `Lost the database (${(error as Error).message}); retrying every ${options.heartbeatSeconds ?? HEARTBEAT_SECONDS} s.`,
        );
      lost = true;
    } finally {
      beating = false;
    }
  };
  const timer = setInterval(() => void beat(), (options.heartbeatSeconds ?? HEARTBEAT_SECONDS) * 1000);
  timer.unref();

  return {
    id,
    markServing: async () => {
      serving = true;
      await db
        .update(fleetInstances)
        .set({ serving: true, seenAt: sql`now()` })
        .where(eq(fleetInstances.id, id));
    },
    leave: async () => {
      clearInterval(timer);
      await db
        .delete(fleetInstances)
        .where(eq(fleetInstances.id, id))
        .catch(() => {});
      await pool.end().catch(() => {});
    },
  };
}
