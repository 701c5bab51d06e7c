import { startEmbeddedPostgres, type RunningPostgres } from "@/ops/postgres/embedded";
import { migrateDatabase } from "@/db/migrate";
import { SchemaNewerError } from "@/db/schema-version";
import { env } from "@/lib/env";

export type LauncherDatabase = Omit<RunningPostgres, "clusterDir" | "exited"> & {
  clusterDir: string | null;
  embedded: boolean;
};

/** Restarts allowed within RESTART_WINDOW_MS before the launcher gives up on a server that keeps dying. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 10 * 60_000;

/**
 * Keeps the embedded server running under the app: should it stop while the app runs (a crash,
 * the OOM killer, someone stopping it), it is started again on the same port, so the web server
 * and the workers, which reconnect by themselves, carry on. A server that keeps dying is given up
 * on after a few tries, and the app stops with a line saying why.
 */
type Supervision = {
  /** True once the launcher is stopping: an exit then is expected. */
  isShuttingDown: () => boolean;
  /** Called when the server cannot be kept running; the launcher stops the app. */
  giveUp: (reason: string) => void;
};

function supervise(
  first: RunningPostgres,
  options: { dataDir: string; log: (line: string) => void } & Supervision,
): { stop: () => Promise<void> } {
  const { isShuttingDown } = options;
  let current = first;
  let stopping = false;
  const restarts: number[] = [];
  const watch = (server: RunningPostgres) => {
    void server.exited.then(async () => {
      if (stopping || isShuttingDown() || server !== current) return;
      const now = Date.now();
      restarts.push(now);
      while (restarts.length > 0 && restarts[0]! < now - RESTART_WINDOW_MS) restarts.shift();
      if (restarts.length > MAX_RESTARTS)
        return options.giveUp(
          `PostgreSQL stopped ${restarts.length} times within ${RESTART_WINDOW_MS / 60_000} minutes`,
        );
      options.log(`PostgreSQL stopped unexpectedly; starting it again on port ${first.port}…`);
      for (let attempt = 1; !stopping && !isShuttingDown(); attempt++) {
        try {
          const again = await startEmbeddedPostgres({
            dataDir: options.dataDir,
            preferredPort: first.port,
            log: options.log,
          });
          if (again.port !== first.port) {
            await again.stop();
            return options.giveUp(`PostgreSQL could not get its port ${first.port} back`);
          }
          current = again;
          options.log("PostgreSQL is running again; the app reconnects by itself.");
          watch(again);
          return;
        } catch (error) {
          // Backends of the old server may still hold its shared memory for a moment.
          if (attempt >= 10)
            return options.giveUp(`PostgreSQL did not start again: ${(error as Error).message}`);
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      }
    });
  };
  watch(first);
  return {
    stop: async () => {
      stopping = true;
      await current.stop();
    },
  };
}

/**
 * DATABASE_URL when given, otherwise the embedded cluster in the data directory (kept running
 * when `supervise` is given, as the launcher does); migrated either way.
 */
export async function connectDatabase(options: {
  dataDir: string;
  log: (line: string) => void;
  supervise?: Supervision;
}): Promise<LauncherDatabase> {
  const external = env().DATABASE_URL;
  if (external) {
    const database = {
      url: external,
      port: Number(new URL(external).port || 5432),
      clusterDir: null,
      stop: async () => {},
      embedded: false,
    };
    try {
      await migrateDatabase(database.url);
    } catch (error) {
      if (error instanceof SchemaNewerError) throw error;
      throw new Error(`Could not prepare the database: ${(error as Error).message}`);
    }
    return database;
  }
  const server = await startEmbeddedPostgres({ dataDir: options.dataDir, log: options.log });
  try {
    await migrateDatabase(server.url);
  } catch (error) {
    await server.stop();
    if (error instanceof SchemaNewerError) throw error;
    throw new Error(`Could not prepare the database: ${(error as Error).message}`);
  }
  const supervisor = options.supervise
    ? supervise(server, { dataDir: options.dataDir, log: options.log, ...options.supervise })
    : null;
  return {
    url: server.url,
    port: server.port,
    clusterDir: server.clusterDir,
    embedded: true,
    stop: supervisor?.stop ?? server.stop,
  };
}
