import { afterAll, describe, expect, inject, it } from "vitest";
import { randomBytes } from "node:crypto";
import pg from "pg";
import journal from "./migrations/meta/_journal.json";
import { migrateDatabase } from "./migrate";
import { CODE_SCHEMA_VERSION, readSchemaState, SchemaNewerError } from "./schema-version";
import { queryOn } from "@/tests/support/query-on";

const { adminUrl } = inject("testDatabase");
const created: string[] = [];

/** A database with nothing in it, as a new deployment's managed PostgreSQL hands it over. */
async function emptyDatabase(): Promise<string> {
  const name = `hic_empty_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  created.push(name);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

afterAll(async () => {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  for (const name of created) await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
});

describe("migrations at start-up", () => {
  it("are applied exactly once when several instances start together on an empty database", async () => {
    const url = await emptyDatabase();
    const states = await Promise.all([migrateDatabase(url), migrateDatabase(url), migrateDatabase(url)]);
    // One of them found everything pending and applied it; the others waited for the lock and found nothing to do.
    expect(states.map((s) => s.status).sort()).toEqual(["current", "current", "pending"]);
    const rows = await queryOn<{ hash: string; created_at: string }>(
      url,
      "select hash, created_at from drizzle.__drizzle_migrations",
    );
    expect(rows).toHaveLength(journal.entries.length);
    expect(new Set(rows.map((r) => r.hash)).size).toBe(journal.entries.length);
    expect(rows.map((r) => Number(r.created_at)).sort()).toEqual(journal.entries.map((e) => e.when).sort());
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    expect(await readSchemaState(client)).toMatchObject({
      status: "current",
      applied: journal.entries.length,
      unknown: [],
    });
    await client.end();
  });

  it("reads an empty database as pending, not as an error", async () => {
    const client = new pg.Client({ connectionString: await emptyDatabase() });
    await client.connect();
    expect(await readSchemaState(client)).toMatchObject({
      status: "pending",
      applied: 0,
      known: journal.entries.length,
    });
    await client.end();
  });

  it("refuse, with one line naming this code's version, a database whose schema is newer than the code", async () => {
    const url = await emptyDatabase();
    await migrateDatabase(url);
    // What a later release's migration leaves behind.
    const later = Math.max(...journal.entries.map((e) => e.when)) + 86_400_000;
    await queryOn(
      url,
      "insert into drizzle.__drizzle_migrations (hash, created_at) values ('from-a-later-release', $1)",
      [later],
    );
    const error = await migrateDatabase(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaNewerError);
    const message = (error as Error).message;
    expect(message.split("\n")).toHaveLength(1);
    expect(message).toContain("the database's schema is newer than this code");
    expect(message).toContain(CODE_SCHEMA_VERSION);
    // Nothing was changed by the refused start.
    expect(await queryOn(url, "select 1 from drizzle.__drizzle_migrations")).toHaveLength(
      journal.entries.length + 1,
    );
  });
});
