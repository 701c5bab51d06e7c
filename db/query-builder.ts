import { drizzle, type NodePgClient, type NodePgDatabase } from "drizzle-orm/node-postgres";
import type { NodePgQueryResultHKT } from "drizzle-orm/node-postgres";
import type { PgDatabase } from "drizzle-orm/pg-core";
import type pg from "pg";

/** What the engine and the fleet records run statements on: a pool, or a client checked out of one (in a transaction). */
export type Queryable = Pick<pg.Pool, "query">;

const builders = new WeakMap<Queryable, NodePgDatabase>();

/**
 * drizzle's query builder over a pool or client that is not the app's (lib/database.ts): the
 * engine's own pool, a transaction's client, the fleet's one connection. Statements it builds run
 * there, inside that client's transaction if it has one. Made once per pool or client.
 */
export function queryBuilder(executor: Queryable): NodePgDatabase {
  let builder = builders.get(executor);
  if (!builder) {
    // Every pg pool and client is one of NodePgClient's kinds; callers only promise `query`.
    builder = drizzle(executor as NodePgClient, { casing: "snake_case" });
    builders.set(executor, builder);
  }
  return builder;
}

/** A query builder or a transaction of one: what a function that runs inside either takes. */
export type QueryBuilder = PgDatabase<NodePgQueryResultHKT>;
