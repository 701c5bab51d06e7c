import { migrate } from "drizzle-orm/node-postgres/migrator";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import path from "node:path";

export const MIGRATIONS_FOLDER = path.join(__dirname, "migrations");

/** Applies pending migrations; drizzle serialises concurrent callers with its own table lock. */
export async function migrateDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Several processes (app, workers, test files) may start at once against one database.
    await client.query("select pg_advisory_lock(727001)");
    await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await client.query("select pg_advisory_unlock(727001)").catch(() => {});
    await client.end();
  }
}
