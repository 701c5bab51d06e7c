import { inject, afterAll } from "vitest";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { closeDb } from "@/db/client";

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

afterAll(async () => {
  await closeDb();
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`drop database if exists ${name} with (force)`).catch(() => {});
  await client.end();
});
