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

type Row = {
  role: Role;
  host: string;
  pid: number;
  build_id: string | null;
  actions_key_fingerprint: string | null;
  auth_secret_fingerprint: string | null;
  secret_key_fingerprint: string;
  serving: boolean;
  first_seen_at: Date | null;
};

async function join(pool: pg.Pool, id: string, me: InstanceFacts, ttlSeconds: number): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query("select pg_advisory_xact_lock($1)", [JOIN_LOCK]);
    await client.query("delete from fleet_instances where seen_at < now() - make_interval(secs => $1)", [
      ttlSeconds,
    ]);
    let myBuildFirstSeenAt: Date | null = null;
    if (me.buildId) {
      await client.query("insert into fleet_builds (build_id) values ($1) on conflict do nothing", [
        me.buildId,
      ]);
      myBuildFirstSeenAt = (
        await client.query<{ first_seen_at: Date }>(
          "select first_seen_at from fleet_builds where build_id = $1",
          [me.buildId],
        )
      ).rows[0]!.first_seen_at;
    }
    const { rows } = await client.query<Row>(
      `select i.role, i.host, i.pid, i.build_id, i.actions_key_fingerprint, i.auth_secret_fingerprint, i.secret_key_fingerprint, i.serving, b.first_seen_at
         from fleet_instances i left join fleet_builds b on b.build_id = i.build_id
        where i.id <> $1`,
      [id],
    );
    const running: RunningInstance[] = rows.map((row) => ({
      role: row.role,
      host: row.host,
      pid: row.pid,
      buildId: row.build_id,
      actionsKeyFingerprint: row.actions_key_fingerprint,
      authSecretFingerprint: row.auth_secret_fingerprint,
      secretKeyFingerprint: row.secret_key_fingerprint,
      serving: row.serving,
      buildFirstSeenAt: row.first_seen_at,
    }));
    const refusal = refusalFor(me, myBuildFirstSeenAt, running);
    if (refusal) throw new FleetRefusal(refusal);
    await insertRow(client, id, me, false);
    await client.query("commit");
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

function insertRow(client: pg.Pool | pg.PoolClient, id: string, me: InstanceFacts, serving: boolean) {
  return client.query(
    `insert into fleet_instances (id, role, host, pid, build_id, actions_key_fingerprint, auth_secret_fingerprint, secret_key_fingerprint, schema_version, serving)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict (id) do update set seen_at = now(), serving = excluded.serving`,
    [
      id,
      me.role,
      me.host,
      me.pid,
      me.buildId,
      me.actionsKeyFingerprint,
      me.authSecretFingerprint,
      me.secretKeyFingerprint,
      CODE_SCHEMA_VERSION,
      serving,
    ],
  );
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

  let serving = false;
  let lost = false;
  let beating = false;
  const beat = async () => {
    if (beating) return;
    beating = true;
    try {
      const { rowCount } = await pool.query("update fleet_instances set seen_at = now() where id = $1", [id]);
      if (rowCount === 0) await insertRow(pool, id, me, serving);
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
      await pool.query("update fleet_instances set serving = true, seen_at = now() where id = $1", [id]);
    },
    leave: async () => {
      clearInterval(timer);
      await pool.query("delete from fleet_instances where id = $1", [id]).catch(() => {});
      await pool.end().catch(() => {});
    },
  };
}
