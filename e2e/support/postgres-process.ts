/**
 * A PostgreSQL server of its own for one test, as a separate process (the embedded server's code
 * cannot load inside Playwright's test runner): `node --import tsx e2e/support/postgres-process.ts
 * DATA_DIR PORT` prints one JSON line `{ url, port }` once it accepts connections, and stops the
 * server (fast shutdown) on SIGTERM. Started again with the same arguments, it reuses the cluster.
 */
import { startEmbeddedPostgres } from "@/ops/postgres/embedded";

async function main() {
  const [dataDir, port] = process.argv.slice(2);
  if (!dataDir || !port) throw new Error("usage: postgres-process.ts DATA_DIR PORT");
  const server = await startEmbeddedPostgres({ dataDir, preferredPort: Number(port) });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void server.stop().finally(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  console.log(JSON.stringify({ url: server.url, port: server.port }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
