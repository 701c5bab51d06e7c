import { afterAll, describe, expect, it } from "vitest";
import pg from "pg";
import { surviveLostConnections } from "./lost-connections";

const pools: pg.Pool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
});

const terminate = async (pid: number) => {
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query("select pg_terminate_backend($1)", [pid]);
  await admin.end();
};

describe("a pool whose connections are cut", () => {
  // Without the listener on checked-out clients, the cut below is an uncaught 'error' event: the run reports it and the process would end.
  it("a connection cut in the middle of a transaction fails that transaction's next query, not the process, and the pool carries on", async () => {
    const idleFailures: string[] = [];
    const pool = surviveLostConnections(
      new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 }),
      (error) => idleFailures.push(error.message),
    );
    pools.push(pool);
    const client = await pool.connect();
    await client.query("begin");
    const pid = (await client.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]!.pid;
    await terminate(pid);
    await expect(client.query("select 1")).rejects.toThrow();
    client.release();

    expect((await pool.query<{ ok: number }>("select 1 as ok")).rows[0]!.ok).toBe(1);
    expect(pool.totalCount).toBe(1);
  });

  it("an idle connection cut by the server is reported once through the pool and replaced on the next query", async () => {
    const idleFailures: string[] = [];
    const pool = surviveLostConnections(
      new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 }),
      (error) => idleFailures.push(error.message),
    );
    pools.push(pool);
    const pid = (await pool.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]!.pid;
    await terminate(pid);
    for (let waited = 0; idleFailures.length === 0 && waited < 5_000; waited += 20)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(idleFailures).toHaveLength(1);
    expect((await pool.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]!.pid).not.toBe(pid);
  });
});
