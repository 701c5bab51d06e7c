// Raw SQL: reads drizzle's own migration bookkeeping (drizzle.__drizzle_migrations, not in the
// schema), also before the first migration.
import journal from "./migrations/meta/_journal.json";

/**
 * Which migrations this code knows (drizzle-kit's journal, bundled with the code) against which the
 * database has applied (drizzle's `__drizzle_migrations`, one row per migration, keyed by the
 * journal entry's `when`).
 */
type Queryable = { query: (text: string) => Promise<{ rows: Record<string, unknown>[] }> };

const KNOWN = journal.entries.map((entry) => ({ tag: entry.tag, when: entry.when }));

/** This code's schema version: its newest migration. */
export const CODE_SCHEMA_VERSION = KNOWN.at(-1)!.tag;

export type SchemaState = {
  /** current: every known migration applied, nothing else; pending: some still to apply; newer: the database has migrations this code does not know. */
  status: "current" | "pending" | "newer";
  applied: number;
  known: number;
  /** Migrations the database has that this code does not know (their `when`). */
  unknown: number[];
};

export function compareSchema(appliedWhen: number[]): SchemaState {
  const known = new Set(KNOWN.map((entry) => entry.when));
  const unknown = appliedWhen.filter((when) => !known.has(when));
  const lastApplied = appliedWhen.length > 0 ? Math.max(...appliedWhen) : -Infinity;
  const pending = KNOWN.filter((entry) => entry.when > lastApplied).length;
  return {
    status: unknown.length > 0 ? "newer" : pending > 0 ? "pending" : "current",
    applied: appliedWhen.length,
    known: KNOWN.length,
    unknown,
  };
}

/** Reads what the database has applied (nothing, before the first migration). */
export async function readSchemaState(client: Queryable): Promise<SchemaState> {
  const { rows } = await client
    .query(
      "select coalesce(array_agg(created_at::float8), '{}') as applied from drizzle.__drizzle_migrations",
    )
    .catch(async (error: { code?: string }) => {
      if (error.code === "42P01" || error.code === "3F000") return { rows: [{ applied: [] }] }; // no table or schema yet
      throw error;
    });
  return compareSchema(((rows[0]?.applied as number[] | undefined) ?? []).map(Number));
}

export class SchemaNewerError extends Error {
  constructor(state: SchemaState) {
    super(
      `Refusing to start: the database's schema is newer than this code (it has ${state.unknown.length} migration(s) this code does not know; ` +
        `this code's newest is ${CODE_SCHEMA_VERSION}). Start this instance from the release that migrated the database, or restore the database from before it.`,
    );
  }
}
