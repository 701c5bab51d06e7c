import type { TestProject } from "vitest/node";
import { startTestServer } from "@/tests/support/test-database";
import { migrateDatabase } from "@/db/migrate";

/**
 * A real Postgres for the whole vitest run (docs/design.md §5: never a mock): one migrated template
 * database, from which every test file gets its own copy, so files can run in parallel.
 */
export default async function setup(project: TestProject) {
  const server = await startTestServer();
  const templateUrl = await server.createDatabase("hic_template");
  await migrateDatabase(templateUrl);
  project.provide("testDatabase", {
    adminUrl: server.adminUrl,
    template: new URL(templateUrl).pathname.slice(1),
  });
  return async () => {
    await server.stop();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    testDatabase: { adminUrl: string; template: string };
  }
}
