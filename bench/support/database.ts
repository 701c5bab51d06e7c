import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startTestServer, type TestServer } from "@/tests/support/test-database";
import { migrateDatabase } from "@/db/migrate";

/** A fresh, migrated database on the embedded server (or DATABASE_URL's), dropped when the bench ends. */
export async function benchDatabase(server: TestServer, name: string): Promise<string> {
  const url = await server.createDatabase(name);
  await migrateDatabase(url);
  return url;
}

export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export { startTestServer };
