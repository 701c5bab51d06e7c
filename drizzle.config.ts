import { defineConfig } from "drizzle-kit";

// Generating migrations needs no database; applying them happens at start-up (db/migrate.ts).
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema",
  out: "./db/migrations",
  casing: "snake_case",
});
