// Raw SQL: the lock. The advisory lock that serialises migrations across instances, on the
// migration's own connection.
import { migrate } from "drizzle-orm/node-postgres/migrator";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import path from "node:path";
import { readSchemaState, SchemaNewerError, type SchemaState } from "./schema-version";

export const MIGRATIONS_FOLDER = path.join(__dirname, "migrations");

/** Several processes (web servers, workers, test files) may start at once against one database. */
const MIGRATION_LOCK = 727001;

/**
 * Applies pending migrations, once however many instances start together: each waits for the
 * others under an advisory lock, then finds nothing left to do. Refuses (SchemaNewerError) when the
 * database already has migrations this code does not know: an older release must not run against
 * a newer schema. Returns the state before migrating.
 */
export async function migrateDatabase(url: string): Promise<SchemaState> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
    const before = await readSchemaState(client);
    if (before.status === "newer") throw new SchemaNewerError(before);
    if (before.status === "pending") await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
    return before;
  } finally {
    await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
    await client.end();
  }
}
