import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { INTEGRATION_PROVIDERS, STORED_SECRETS } from "./providers";

describe("the integration provider registry", () => {
  it("declares every encrypted column in the database, so secrets:rotate misses none", async () => {
    const { rows } = await getDb().execute<{ name: string }>(
      sql`select table_name || '.' || column_name as name from information_schema.columns
          where table_schema = 'public' and column_name like '%ciphertext%' order by 1`,
    );
    const declared = STORED_SECRETS.map((column) => `${column.table}.${column.column}`).sort();
    expect(declared).toEqual(rows.map((row) => row.name));
  });

  it("gives each provider its own id, so settings rows, audit targets and secret contexts cannot collide", () => {
    const ids = INTEGRATION_PROVIDERS.map((provider) => provider.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain("azure-dps");
  });
});
