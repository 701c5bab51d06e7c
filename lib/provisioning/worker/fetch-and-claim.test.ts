import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import type PgBoss from "pg-boss";
import { getDb } from "@/lib/database";
import { readEngineSettings } from "../settings";
import { claimDevices } from "../attempts/device-attempt-sql";
import { jobInsert, leaseForJob, PROVISION_QUEUE, startBoss } from "../queue/boss";
import { insertJobs } from "../queue/jobs";
import { insertDevices } from "../../../tests/support/provisioning";
import { fetchAndClaim } from "./fetch-and-claim";
import { surviveLostConnections } from "@/db/lost-connections";

const settings = readEngineSettings();
const pools: pg.Pool[] = [];
let boss: PgBoss;

function pool(): pg.Pool {
  // Survives a terminated backend the way the engine's pool does (that is what this file is about).
  const created = surviveLostConnections(new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 }));
  pools.push(created);
  return created;
}

beforeAll(async () => {
  boss = await startBoss(pool(), settings);
});

afterAll(async () => {
  await boss?.stop({ graceful: false, wait: true });
  await Promise.all(pools.map((p) => p.end()));
});

const sql = async <T extends Record<string, unknown>>(text: string, values: unknown[] = []) =>
  (await getDb().$client.query<T>(text, values)).rows;

async function queueDevices(count: number, prefix: string): Promise<number[]> {
  const ids = await insertDevices(count, prefix);
  await insertJobs(
    boss,
    getDb().$client,
    ids.map((deviceId) =>
      jobInsert(
        { deviceId, runId: null, trigger: "import", actorId: null, actorEmail: null, attempt: 1 },
        settings,
      ),
    ),
  );
  return ids;
}

const jobStates = async (ids: number[]) =>
  (
    await sql<{ state: string }>(
      "select state from pgboss.job where name = $1 and (data->>'deviceId')::bigint = any($2::bigint[]) order by state",
      [PROVISION_QUEUE, ids],
    )
  ).map((row) => row.state);
const deviceStates = async (ids: number[]) =>
  (
    await sql<{ status: string; attempt_owner: string | null }>(
      "select status, attempt_owner from devices where id = any($1::bigint[])",
      [ids],
    )
  ).map((row) => `${row.status}/${row.attempt_owner ?? "-"}`);

const claimFor =
  (owner: string) => (client: pg.PoolClient, jobs: PgBoss.Job<{ deviceId: number; attempt: number }>[]) =>
    claimDevices(
      client,
      jobs.map((job) => ({
        deviceId: job.data.deviceId,
        attemptId: job.id,
        attempt: job.data.attempt,
        leaseSeconds: leaseForJob(Number(job.expireInSeconds)),
      })),
      null,
      owner,
    );

describe("fetching jobs and claiming their devices", () => {
  it("a process that dies between fetching jobs and claiming their devices leaves the jobs to be fetched again at once, not after their expiry", async () => {
    const ids = await queueDevices(6, "dies");
    const dying = pool();
    let backend: number | null = null;
    const fetching = fetchAndClaim(dying, boss, 10, async (client) => {
      backend = (await client.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]!.pid;
      // The process "dies" here: its connection is cut while the fetch is not yet claimed.
      await client.query("select pg_sleep(60)");
      return [];
    });
    const outcome = fetching.then(
      () => "finished",
      () => "connection lost",
    );
    while (backend === null) await new Promise((resolve) => setTimeout(resolve, 20));
    // Fetched inside the transaction: other sessions still see the jobs as waiting, locked.
    expect(await boss.fetch(PROVISION_QUEUE, { batchSize: 10 })).toEqual([]);
    await sql("select pg_terminate_backend($1)", [backend]);
    expect(await outcome).toBe("connection lost");

    expect(await jobStates(ids)).toEqual(Array(6).fill("created"));
    expect(await deviceStates(ids)).toEqual(Array(6).fill("pending/-"));
    const again = await boss.fetch<{ deviceId: number }>(PROVISION_QUEUE, { batchSize: 10 });
    expect(again.map((job) => job.data.deviceId).sort((a, b) => a - b)).toEqual(ids);
    await boss.complete(
      PROVISION_QUEUE,
      again.map((job) => job.id),
    );
  });

  it("a fetch and its claims commit together: the jobs are active and their devices held by the claiming process", async () => {
    const ids = await queueDevices(4, "claims");
    const owner = "3f1c1a52-7d7e-4c39-9f1e-0a4b2b1f0c11";
    await sql(
      "insert into provisioning_processes (id, role, host, pid, started_at, heartbeat_at) values ($1, 'worker', 'test', 1, now(), now())",
      [owner],
    );
    const { jobs, claims } = await fetchAndClaim(pool(), boss, 10, claimFor(owner));
    expect(jobs).toHaveLength(4);
    expect(claims.every((claim) => claim !== null)).toBe(true);
    expect(await jobStates(ids)).toEqual(Array(4).fill("active"));
    expect(await deviceStates(ids)).toEqual(Array(4).fill(`assigning/${owner}`));
    await boss.complete(
      PROVISION_QUEUE,
      jobs.map((job) => job.id),
    );
  });

  it("a fetch that returns after the worker began to stop is undone: nothing claimed, the jobs still waiting", async () => {
    const ids = await queueDevices(3, "stopping");
    const result = await fetchAndClaim(
      pool(),
      boss,
      10,
      claimFor("3f1c1a52-7d7e-4c39-9f1e-0a4b2b1f0c11"),
      () => false,
    );
    expect(result).toEqual({ jobs: [], claims: [] });
    expect(await jobStates(ids)).toEqual(Array(3).fill("created"));
    expect(await deviceStates(ids)).toEqual(Array(3).fill("pending/-"));
  });
});
