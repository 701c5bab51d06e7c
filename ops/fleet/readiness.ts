// Raw SQL: the plan. Readiness is one statement on its own connection under a short timeout:
// migrations applied, provisioning paused, live workers, a newer build.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { compareSchema, type SchemaState } from "@/db/schema-version";
import { env } from "@/lib/env";
import { FLEET_TTL_SECONDS } from "./agreement";
import { surviveLostConnections } from "@/db/lost-connections";

/**
 * What a load balancer or an orchestrator asks before sending this web server traffic
 * (`GET /api/ready`): the database answers within a short timeout, its schema is exactly the one
 * this code knows, and no newer build serves already (a rolling upgrade drains the older servers).
 * The engine's state comes along for operators. Nothing secret: no addresses, names or keys.
 */
export type Readiness = {
  ready: boolean;
  checks: {
    database: "ok" | "unreachable";
    migrations?: SchemaState["status"];
    build?: "current" | "superseded";
  };
  engine?: { provisioning: "running" | "paused"; workers: number };
};

/** Short enough that an outage shows within a few seconds, long enough for a busy database. */
const TIMEOUT_MS = 2_000;
/** A flood of probes costs at most one query per this long. */
const CACHE_MS = 1_000;

type State = {
  pool?: pg.Pool;
  url?: string;
  last?: { at: number; result: Promise<Readiness> };
  buildId?: string | null;
};
const globalForReadiness = globalThis as unknown as { hicReadiness?: State };
const state = (globalForReadiness.hicReadiness ??= {});

/** Its own single connection, so a probe never waits behind the app's queries (nor they behind it). */
function readinessPool(url: string): pg.Pool {
  if (!state.pool || state.url !== url) {
    void state.pool?.end().catch(() => {});
    state.pool = new pg.Pool({
      connectionString: url,
      max: 1,
      connectionTimeoutMillis: TIMEOUT_MS,
      query_timeout: TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
      application_name: "hic-readiness",
    });
    surviveLostConnections(state.pool); // a connection cut by the server: the next probe reconnects
    state.url = url;
  }
  return state.pool;
}

/** This server's build (`.next/BUILD_ID`), read once; null outside a production build. */
function ownBuildId(): string | null {
  if (state.buildId === undefined) {
    const file = path.join(process.cwd(), ".next", "BUILD_ID");
    state.buildId = existsSync(file) ? readFileSync(file, "utf8").trim() : null;
  }
  return state.buildId;
}

const QUERY = `
  select
    (select coalesce(array_agg(created_at::float8), '{}') from drizzle.__drizzle_migrations) as applied,
    (select paused from provisioning_control where id = 'engine') as paused,
    (select count(*)::int from fleet_instances
      where role in ('all', 'worker') and serving and seen_at > now() - make_interval(secs => $2)) as workers,
    exists (
      select 1 from fleet_instances i join fleet_builds b on b.build_id = i.build_id
       where i.role in ('all', 'web') and i.serving and i.seen_at > now() - make_interval(secs => $2)
         and i.build_id <> $1 and b.first_seen_at > (select first_seen_at from fleet_builds where build_id = $1)
    ) as superseded`;

/** One probe of the database at `url` for a web server of build `buildId` (uncached). */
export async function probeReadiness(url: string, buildId: string | null): Promise<Readiness> {
  let client: pg.PoolClient;
  try {
    client = await readinessPool(url).connect();
  } catch {
    return { ready: false, checks: { database: "unreachable" } };
  }
  try {
    const { rows } = await client.query<{
      applied: number[];
      paused: boolean | null;
      workers: number;
      superseded: boolean;
    }>(QUERY, [buildId ?? "", FLEET_TTL_SECONDS]);
    client.release();
    const row = rows[0]!;
    const migrations = compareSchema(row.applied.map(Number)).status;
    const build = row.superseded ? "superseded" : "current";
    return {
      ready: migrations === "current" && build === "current",
      checks: { database: "ok", migrations, build },
      engine: { provisioning: row.paused ? "paused" : "running", workers: row.workers },
    };
  } catch (error) {
    client.release(error as Error); // a connection that failed or timed out is not reused
    // No migrations table (or a table of a later migration) yet: the schema is not this code's.
    if (["42P01", "3F000"].includes((error as { code?: string }).code ?? ""))
      return { ready: false, checks: { database: "ok", migrations: "pending" } };
    return { ready: false, checks: { database: "unreachable" } };
  }
}

/** The readiness of this web server, at most CACHE_MS old; probes arriving meanwhile share one query. */
export function checkReadiness(now = Date.now()): Promise<Readiness> {
  const url = env().DATABASE_URL;
  if (!url) return Promise.resolve({ ready: false, checks: { database: "unreachable" } });
  if (state.last && now - state.last.at < CACHE_MS) return state.last.result;
  const result = probeReadiness(url, ownBuildId());
  state.last = { at: now, result };
  return result;
}
