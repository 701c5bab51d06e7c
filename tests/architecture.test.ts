import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkLayers, layerConfig, type Violation } from "@/scripts/check-layers";

/**
 * The layout's rules. The import rules are dependency-cruiser configuration (.dependency-cruiser.cjs),
 * checked here on the real tree and, each one, on a tree of planted violations, so a rule that
 * stopped matching anything would fail too. What dependency-cruiser cannot express stays below.
 */

const SKIP = new Set(["node_modules", ".next", ".data", "test-results", "playwright-report", ".git"]);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return SKIP.has(entry.name) ? [] : sources(file);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [file] : [];
  });
}

const ALL = sources(".").map((file) => file.replace(/^\.\//, ""));
const isTest = (file: string) =>
  /\.test\.tsx?$/.test(file) || /^(tests|e2e|bench)\//.test(file) || file === "playwright.config.ts";
const APP = ALL.filter((file) => !isTest(file) && !file.startsWith("scripts/"));

describe("the layout's rules", () => {
  it("reads the environment only in lib/env.ts (plus Next.js's own NEXT_RUNTIME switch)", () => {
    const readers = APP.filter(
      (file) =>
        file !== "lib/env.ts" &&
        /process\.env(?!\.NEXT_RUNTIME\b)/.test(readFileSync(file, "utf8").replace(/^\s*(\*|\/\/).*$/gm, "")),
    );
    expect(readers).toEqual([]);
  });

  // About ten seconds of work; the long timeout is for a machine shared with other heavy work.
  it("every import keeps the layers' rules (.dependency-cruiser.cjs)", { timeout: 600_000 }, async () => {
    const violations = await checkLayers();
    expect(violations.map((violation) => violation.line)).toEqual([]);
  });
});

/**
 * One planted violation per rule, in a tree of its own (under .data, so `pg` and `server-only`
 * resolve to the real packages), next to imports each rule allows. Paths are relative to the tree.
 */
// Two folders up, spelled out of line so the stands-alone check does not read the planted imports
// as this file's own (from tests/ they would leave the repository).
const UP2 = "../../";

const PLANTED: Record<string, string> = {
  // The allowed side of each rule.
  "db/schema.ts": `export const devices = "devices";\n`,
  "db/connection-errors.ts": `export const up = true;\n`,
  "lib/database.ts": `import { env } from "./env";\nimport { devices } from "${UP2}db/schema";\nexport const getDb = () => [env, devices];\n`,
  "lib/env.ts": `export const env = {};\n`,
  "lib/logger.ts": `export const logger = {};\n`,
  "lib/dps/sas.ts": `export const sas = 1;\n`,
  "lib/dps/client.ts": `export const client = 1;\n`,
  "lib/auth/session.ts": `import "server-only";\nexport const session = 1;\n`,
  "lib/users/user-dto.ts": `export type UserDto = { id: string };\n`,
  "lib/users/users-dal.ts": `import "server-only";\nimport { devices } from "${UP2}db/schema";\nexport const listUsers = () => devices;\n`,
  "lib/devices/device-store.ts": `import { devices } from "${UP2}db/schema";\nexport const store = devices;\n`,
  "lib/devices/removal.ts": `export const remove = 1;\n`,
  "lib/provisioning/index.ts": `import { client } from "../dps/client";\nimport { env } from "../env";\nimport { getDb } from "../database";\nexport const engine = [client, env, getDb];\n`,
  "lib/provisioning/queue/jobs.ts": `export const jobs = 1;\n`,
  "lib/provisioning/attempts/attempt.ts": `import { metrics } from "${UP2}observability/tracing";\nexport const attempt = metrics;\n`,
  "lib/observability/tracing.ts": `import { env } from "../env";\nimport { logger } from "../logger";\nexport const metrics = [env, logger];\n`,
  "lib/actions/save-user.ts": `"use server";\nimport { listUsers } from "../users/users-dal";\nexport const save = listUsers;\n`,
  "app/ok/page.tsx": `import { up } from "${UP2}db/connection-errors";\nimport { listUsers } from "${UP2}lib/users/users-dal";\nexport default function Page() { return [up, listUsers]; }\n`,
  "components/user-row.tsx": `"use client";\nimport type { UserDto } from "../lib/users/user-dto";\nimport { save } from "../lib/actions/save-user";\nexport const row = (user: UserDto) => [user, save];\n`,
  "emulators/dps/server.ts": `import { sas } from "${UP2}lib/dps/sas";\nexport const server = sas;\n`,
  "ops/launcher/emulator.ts": `import { server } from "${UP2}emulators/dps/server";\nexport const start = server;\n`,
  "tests/support/fixture.ts": `export const fixture = 1;\n`,
  "lib/devices/devices.test.ts": `import { fixture } from "${UP2}tests/support/fixture";\nimport { jobs } from "../provisioning/queue/jobs";\nexport const t = [fixture, jobs];\n`,

  // One violation per rule.
  "app/bad/page.tsx": `import { devices } from "${UP2}db/schema";\nimport pg from "pg";\nexport default function Page() { return [devices, pg]; }\n`,
  "lib/actions/bad-action.ts": `"use server";\nimport { store } from "../devices/device-store";\nexport const act = store;\n`,
  "lib/provisioning/worker.ts": `import { remove } from "../devices/removal";\nexport const work = remove;\n`,
  "lib/devices/devices-dal.ts": `import { jobs } from "../provisioning/queue/jobs";\nexport const queue = jobs;\n`,
  "db/schema/devices.ts": `import { remove } from "${UP2}lib/devices/removal";\nexport const statuses = remove;\n`,
  "db/migrate.ts": `import { logger } from "../lib/logger";\nexport const migrate = logger;\n`,
  // The settings and the process's database are lib/ too: db/client.ts takes its URL from its caller.
  "db/client.ts": `import { env } from "../lib/env";\nimport { getDb } from "../lib/database";\nexport const db = [env, getDb];\n`,
  "components/device-count.tsx": `import { getDb } from "../lib/database";\nexport const count = getDb;\n`,
  "lib/registrations/reconcile.ts": `import { fixture } from "${UP2}tests/support/fixture";\nexport const reconcile = fixture;\n`,
  "components/emulator-link.tsx": `import { server } from "../emulators/dps/server";\nexport const link = server;\n`,
  "components/users-table.tsx": `"use client";\nimport { listUsers } from "../lib/users/users-dal";\nexport const table = listUsers;\n`,
  "components/session-badge.tsx": `// A comment before the directive still makes a client component.\n"use client";\nimport "server-only";\nexport const badge = 1;\n`,
  "lib/devices/calls-action.ts": `import { save } from "../actions/save-user";\nexport const again = save;\n`,
  "emulators/dps/registry.ts": `import { store } from "${UP2}lib/devices/device-store";\nexport const registry = store;\n`,
  "lib/observability/metrics.ts": `import { store } from "../devices/device-store";\nexport const counted = store;\n`,
};

/** What the planted tree must break: file → imported → rule. */
const EXPECTED: [string, string, string][] = [
  ["app/bad/page.tsx", "db/schema.ts", "ui-never-reaches-the-database"],
  ["app/bad/page.tsx", "node_modules/pg/", "ui-never-reaches-the-database"],
  ["lib/actions/bad-action.ts", "lib/devices/device-store.ts", "actions-go-through-the-data-access-layer"],
  ["lib/provisioning/worker.ts", "lib/devices/removal.ts", "engine-never-imports-a-domain"],
  ["lib/observability/metrics.ts", "lib/devices/device-store.ts", "observability-is-infrastructure"],
  [
    "lib/devices/devices-dal.ts",
    "lib/provisioning/queue/jobs.ts",
    "domains-use-the-engine-through-its-front-door",
  ],
  ["db/schema/devices.ts", "lib/devices/removal.ts", "db-never-imports-lib"],
  ["db/migrate.ts", "lib/logger.ts", "db-never-imports-lib"],
  ["db/client.ts", "lib/env.ts", "db-never-imports-lib"],
  ["db/client.ts", "lib/database.ts", "db-never-imports-lib"],
  ["components/device-count.tsx", "lib/database.ts", "ui-never-reaches-the-database"],
  [
    "lib/registrations/reconcile.ts",
    "tests/support/fixture.ts",
    "product-never-imports-emulators-or-test-support",
  ],
  [
    "components/emulator-link.tsx",
    "emulators/dps/server.ts",
    "product-never-imports-emulators-or-test-support",
  ],
  [
    "components/users-table.tsx",
    "lib/users/users-dal.ts",
    "client-components-never-import-server-only-modules",
  ],
  [
    "components/session-badge.tsx",
    "node_modules/server-only/",
    "client-components-never-import-server-only-modules",
  ],
  ["lib/devices/calls-action.ts", "lib/actions/save-user.ts", "only-pages-and-components-call-actions"],
  ["emulators/dps/registry.ts", "lib/devices/device-store.ts", "emulator-uses-only-pure-dps-code"],
];

describe("each layer rule, broken on purpose", () => {
  let planted: string;
  let found: Violation[] = [];

  beforeAll(async () => {
    mkdirSync(".data", { recursive: true });
    planted = mkdtempSync(path.resolve(".data/planted-layers-"));
    for (const [file, text] of Object.entries(PLANTED)) {
      mkdirSync(path.dirname(path.join(planted, file)), { recursive: true });
      writeFileSync(path.join(planted, file), text);
    }
    // The planted files import each other by relative paths: no tsconfig to read there.
    const config = layerConfig(planted);
    delete config.options.tsConfig;
    found = await checkLayers(
      planted,
      ["app", "components", "lib", "db", "ops", "emulators", "tests"],
      config,
    );
  }, 600_000);
  afterAll(() => rmSync(planted, { recursive: true, force: true }));

  const simplified = (violations: Violation[]) =>
    violations.map(({ from, to, rule }) => [
      from,
      to.replace(/^(?:\.\.\/)*(node_modules\/[^/]+\/).*$/, "$1"),
      rule,
    ]);

  it.each(EXPECTED)("%s importing %s breaks %s, and the report names both", (from, to, rule) => {
    expect(simplified(found)).toContainEqual([from, to, rule]);
    const line = found.find((violation) => violation.from === from && violation.rule === rule)!.line;
    expect(line).toContain(from);
    expect(line).toContain(`"${rule}"`);
  });

  it("reports nothing else: the allowed imports next to them pass", () => {
    expect(simplified(found).sort()).toEqual([...EXPECTED].sort());
  });

  it("plants a violation of every rule in the configuration", () => {
    const rules = layerConfig(process.cwd()).forbidden.map((rule) => rule.name);
    expect([...new Set(EXPECTED.map(([, , rule]) => rule))].sort()).toEqual([...rules].sort());
  });
});
