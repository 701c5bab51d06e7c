import { startEmbeddedPostgres, type RunningPostgres } from "@/lib/postgres/embedded";
import { migrateDatabase } from "@/db/migrate";
import { SchemaNewerError } from "@/db/schema-version";
import { env } from "@/lib/env";

/** DATABASE_URL when given, otherwise the embedded cluster in the data directory; migrated either way. */
export async function connectDatabase(options: { dataDir: string; log: (line: string) => void }): Promise<Omit<RunningPostgres, "clusterDir"> & { clusterDir: string | null; embedded: boolean }> {
  const external = env().DATABASE_URL;
  const database = external
    ? { url: external, port: Number(new URL(external).port || 5432), clusterDir: null, stop: async () => {}, embedded: false }
    : { ...(await startEmbeddedPostgres({ dataDir: options.dataDir, log: options.log })), embedded: true };
  try {
    await migrateDatabase(database.url);
  } catch (error) {
    await database.stop();
    if (error instanceof SchemaNewerError) throw error;
    throw new Error(`Could not prepare the database: ${(error as Error).message}`);
  }
  return database;
}
