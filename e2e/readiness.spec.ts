import { test, expect } from "@playwright/test";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { pickPort } from "@/ops/postgres/free-port";
import { throwawayDataDir } from "./support/launcher";
import { startInstance, type Instance } from "./support/fleet";

/**
 * What a load balancer sees of a web server whose database goes away: `/api/ready` turns 503
 * within 5 s, `/api/health` stays 200 (the process is fine; restarting it would not help), and
 * once the database is back the server is ready again by itself, and serves pages.
 */

type Database = { url: string; port: number; stop: () => Promise<void> };

/** A PostgreSQL server in `dataDir` on `port`, in a process of its own (e2e/support/postgres-process.ts). */
async function startDatabase(dataDir: string, port: number): Promise<Database> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "e2e/support/postgres-process.ts", dataDir, String(port)],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const [line] = (await Promise.race([
    once(createInterface({ input: child.stdout! }), "line"),
    once(child, "exit").then(() => [null]),
  ])) as [string | null];
  if (!line) throw new Error("The PostgreSQL server did not start.");
  const { url, port: actual } = JSON.parse(line) as { url: string; port: number };
  return {
    url,
    port: actual,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

type Probe = { status: number; body: { status?: string; checks?: { database?: string } } };

async function probe(url: string): Promise<Probe> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(4_000) });
    return { status: response.status, body: (await response.json()) as Probe["body"] };
  } catch (error) {
    return { status: 0, body: { status: (error as Error).message } };
  }
}

test.describe("readiness follows the database", () => {
  test.describe.configure({ mode: "serial", timeout: 180_000 });
  test.skip(process.platform !== "linux", "process groups");

  let databaseDir: ReturnType<typeof throwawayDataDir>;
  let instanceDir: ReturnType<typeof throwawayDataDir>;
  let database: Database | null = null;
  let web: Instance | null = null;

  test.beforeAll(() => {
    databaseDir = throwawayDataDir();
    instanceDir = throwawayDataDir();
  });

  test.afterAll(async () => {
    await web?.stop();
    await database?.stop();
    databaseDir?.remove();
    instanceDir?.remove();
  });

  test("/api/ready is 503 within 5 s of the database stopping, /api/health stays 200, and both are 200 again once it is back", async () => {
    database = await startDatabase(databaseDir.dir, await pickPort(0));
    const port = database.port;
    web = await startInstance("web", process.cwd(), {
      HIC_ROLE: "web",
      DATABASE_URL: database.url,
      HIC_DATA_DIR: instanceDir.dir,
      HOST: "127.0.0.1",
      PORT: String(await pickPort(0)),
      AUTH_SECRET: randomBytes(32).toString("base64"),
      HIC_SECRET_KEY: randomBytes(32).toString("base64"),
      // The key `npm test` built with: this server runs that build.
      NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: process.env.NEXT_SERVER_ACTIONS_ENCRYPTION_KEY ?? "",
      HIC_DPS_EMULATOR: "off",
      LOG_LEVEL: "warn",
    });
    const ready = `${web.url}/api/ready`;
    const health = `${web.url}/api/health`;
    await expect.poll(async () => (await probe(ready)).status, { timeout: 10_000 }).toBe(200);
    expect((await probe(ready)).body).toMatchObject({
      status: "ready",
      checks: { database: "ok", migrations: "current" },
    });

    const stopping = Date.now();
    await database.stop();
    database = null;
    const stopped = Date.now();
    await expect
      .poll(async () => (await probe(ready)).status, { timeout: 5_000, intervals: [100] })
      .toBe(503);
    const unreadyAfter = Date.now() - stopped;
    const outage = await probe(ready);
    expect(outage.body).toEqual({ status: "unready", checks: { database: "unreachable" } });
    expect((await probe(health)).status, "liveness does not depend on the database").toBe(200);
    // Still unready a few seconds on: no stale answer, no crash.
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await probe(ready)).status).toBe(503);
    expect(web.child.exitCode, web.output().slice(-3000)).toBeNull();

    database = await startDatabase(databaseDir.dir, port);
    expect(database.port, "the database came back where the server looks for it").toBe(port);
    const restarted = Date.now();
    await expect
      .poll(async () => (await probe(ready)).status, { timeout: 10_000, intervals: [100] })
      .toBe(200);
    const readyAfter = Date.now() - restarted;
    expect((await probe(health)).status).toBe(200);
    // The app's own connections recover too: the sign-in page reads the database.
    const page = await fetch(`${web.url}/sign-in`);
    expect(page.status).toBe(200);
    expect(web.child.exitCode, web.output().slice(-3000)).toBeNull();
    const figures = `database stopped in ${stopped - stopping} ms; unready ${unreadyAfter} ms after; ready again ${readyAfter} ms after it was back`;
    test.info().annotations.push({ type: "readiness", description: figures });
    console.log(`[readiness] ${figures}`);
  });
});
