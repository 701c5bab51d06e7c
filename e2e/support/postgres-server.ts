import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";

export type PostgresServer = { url: string; port: number; stop: () => Promise<void> };

/** Starts e2e/support/postgres-child.ts (a PostgreSQL server in `dataDir`, on `port` if given) and resolves once it accepts connections. */
export async function startPostgresServer(dataDir: string, port?: number): Promise<PostgresServer> {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", "e2e/support/postgres-child.ts", dataDir, ...(port ? [String(port)] : [])],
    {
      cwd: process.cwd(),
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const [first] = (await Promise.race([once(lines, "line"), once(child, "exit").then(() => [null])])) as [
    string | null,
  ];
  if (!first) throw new Error("The test's PostgreSQL server did not start.");
  const ready = JSON.parse(first) as { url: string; port: number };
  return {
    ...ready,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}
