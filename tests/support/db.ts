import { sql } from "drizzle-orm";
import { getDb } from "@/lib/database";

/** Empties the given tables so a test file starts from a known state in the shared test database. */
export async function truncate(...tables: string[]): Promise<void> {
  await getDb().execute(sql.raw(`truncate ${tables.join(", ")} restart identity cascade`));
}
