import { mkdtempSync, chmodSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { env } from "@/lib/env";
import { startEmbeddedPostgres } from "../../ops/postgres/embedded";

export type TestServer = {
  adminUrl: string;
  createDatabase: (prefix: string) => Promise<string>;
  stop: () => Promise<void>;
};

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * A Postgres server for tests: the one in DATABASE_URL (each suite gets a fresh database on it,
 * dropped afterwards) or an embedded cluster in a throwaway directory.
 */
export async function startTestServer(): Promise<TestServer> {
  const created: string[] = [];
  let adminUrl: string;
  let stopServer: () => Promise<void>;
  let dataDir: string | undefined;
  const external = env().DATABASE_URL;
  if (external) {
    adminUrl = external;
    stopServer = async () => {};
  } else {
    const dir = mkdtempSync(path.join(os.tmpdir(), "hic-test-"));
    dataDir = dir;
    chmodSync(dir, 0o755); // the embedded server runs as `postgres` when we are root
    const server = await startEmbeddedPostgres({ dataDir: dir });
    adminUrl = server.url;
    stopServer = async () => {
      await server.stop();
      // A cluster kept outside the throwaway directory (its parents were private) goes with it.
      if (path.relative(dir, server.clusterDir).startsWith(".."))
        rmSync(path.dirname(server.clusterDir), { recursive: true, force: true });
    };
  }
  return {
    adminUrl,
    createDatabase: async (prefix) => {
      const name = `${prefix}_${randomBytes(4).toString("hex")}`;
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`create database ${name}`);
      } finally {
        await client.end();
      }
      created.push(name);
      return withDatabase(adminUrl, name);
    },
    stop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect().catch(() => {});
      for (const name of created)
        await client.query(`drop database if exists ${name} with (force)`).catch(() => {});
      await client.end().catch(() => {});
      await stopServer();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
