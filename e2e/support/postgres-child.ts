/**
 * A PostgreSQL server of a test's own, in a process of its own (Playwright's loader cannot load
 * ops/postgres itself): prints one JSON line `{ url, port }` when it accepts connections, and
 * stops the server on SIGTERM.
 *   node --import tsx e2e/support/postgres-child.ts DATA_DIR [PORT]
 */
import { startEmbeddedPostgres } from "@/ops/postgres/embedded";

async function main() {
  const [dataDir, port] = process.argv.slice(2);
  if (!dataDir) throw new Error("usage: postgres-child.ts DATA_DIR [PORT]");
  const server = await startEmbeddedPostgres({ dataDir, preferredPort: port ? Number(port) : undefined });
  console.log(JSON.stringify({ url: server.url, port: server.port }));
  const stop = () => void server.stop().finally(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
