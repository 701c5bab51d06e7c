import { inject, afterAll } from "vitest";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { closeDb } from "@/lib/database";
import { wireEngine } from "@/lib/engine-wiring";

// Each test file gets its own copy of the migrated template database.
const { adminUrl, template } = inject("testDatabase");
const name = `${template}_f${randomBytes(4).toString("hex")}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`create database ${name} template ${template}`);
await admin.end();
const url = new URL(adminUrl);
url.pathname = `/${name}`;
process.env.DATABASE_URL = url.toString();
process.env.HIC_SECRET_KEY ??= Buffer.alloc(32, 7).toString("base64");
// The engine gets its domains as every process hands them over at its start (lib/engine-wiring.ts).
wireEngine();

afterAll(async () => {
  await closeDb();
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  // Pools resolve end() before their connections have closed; forcing the drop while they close
  // would hand them a "terminating connection" error no one listens for (an unhandled error).
  // A connection still open after this grace is a leak, and the forced drop lets it show.
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const { rows } = await client.query(
      "select count(*)::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
      [name],
    );
    if (rows[0].n === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await client.query(`drop database if exists ${name} with (force)`).catch(() => {});
  await client.end();
});
