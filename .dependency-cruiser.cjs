/**
 * The layers' rules, as dependency-cruiser configuration. `npm test` runs them
 * (tests/architecture.test.ts, which also plants a violation of each and expects it named) and so
 * does `npm run lint` (`npm run deps` alone). A broken rule names the importing file, the imported
 * one and the rule, with the rule's comment saying why it holds.
 *
 * Two of the rules need facts dependency-cruiser cannot see, a file's "use client" directive and
 * its `import "server-only"`: `layerRules(root)` reads them from the sources and writes them into
 * the rules as lists of paths.
 */
const { readdirSync, readFileSync } = require("node:fs");
const path = require("node:path");

const SOURCE_DIRS = [
  "app",
  "components",
  "lib",
  "db",
  "ops",
  "scripts",
  "emulators",
  "tests",
  "e2e",
  "bench",
];
const SKIP = new Set(["node_modules", ".next", ".data", "test-results", "playwright-report", "fixtures"]);

/** The .ts/.tsx files under `root`'s source folders, as paths relative to `root`. */
function sourcesUnder(root) {
  const walk = (dir) =>
    readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
      const file = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) return SKIP.has(entry.name) ? [] : walk(file);
      return /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [file] : [];
    });
  return SOURCE_DIRS.filter((dir) => {
    try {
      return readdirSync(path.join(root, dir)) && true;
    } catch {
      return false;
    }
  }).flatMap(walk);
}

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** A path regex matching exactly these files (or nothing, when there are none). */
const exactly = (files) => (files.length ? `^(${files.map(escape).join("|")})$` : "^$^");

/** Files whose first statement is the "use client" directive (comments before it allowed). */
function clientFiles(root, files) {
  return files.filter((file) =>
    /^(?:\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*["']use client["']/.test(
      readFileSync(path.join(root, file), "utf8"),
    ),
  );
}

/** Files that import "server-only": loading them in a client bundle fails the build. */
function serverOnlyFiles(root, files) {
  return files.filter((file) =>
    /^\s*import\s+["']server-only["']/m.test(readFileSync(path.join(root, file), "utf8")),
  );
}

/** Tests, test support and benchmarks: they may reach anything (fixtures, emulators, internals). */
const TEST_CODE = "(\\.test\\.tsx?$|^(tests|e2e|bench)/|^playwright\\.config\\.ts$)";
/** What ships: the app and the code it runs on. ops/ and scripts/ start processes (the emulator among them). */
const PRODUCT = "^(app|components|lib|db)/|^(instrumentation|proxy|auth)\\.ts$";

function layerRules(root) {
  const files = sourcesUnder(root);
  return {
    forbidden: [
      {
        name: "ui-never-reaches-the-database",
        comment:
          "Pages and components get data through the data-access layer (lib/**/*-dal.ts), which checks permission on every call; never from db/, the process's database (lib/database.ts), pg or drizzle directly (they may ask whether the database is reachable: lib/database-availability.ts, db/connection-errors.ts).",
        severity: "error",
        from: { path: "^(app|components)/", pathNot: TEST_CODE },
        to: {
          path: "^db/|^lib/database\\.ts$|(^|/)node_modules/(pg|drizzle-orm|pg-boss)/",
          // Not data: whether the database is there at all, so a page can say it is away.
          pathNot: "^db/connection-errors\\.ts$",
        },
      },
      {
        name: "actions-go-through-the-data-access-layer",
        comment:
          "A server action (lib/actions) parses its input and calls the data-access layer (*-dal.ts, which checks permission); it never reads or writes the database, the engine or a store itself. It may also use the shared zod schemas and DTOs, the session, errors and the logger, and write the audit log.",
        severity: "error",
        from: { path: "^lib/actions/", pathNot: TEST_CODE },
        to: {
          path: "^(lib|db)/",
          pathNot: [
            "^lib/actions/",
            "-dal\\.ts$",
            "-dto\\.ts$",
            "^lib/validation/",
            "^lib/integrations/azure-dps/schema\\.ts$",
            "^lib/auth/",
            "^lib/errors\\.ts$",
            "^lib/logger\\.ts$",
            "^lib/audit/(actions|record)\\.ts$",
            // Telling "the database is away" from other failures, to answer with a clear message.
            "^db/connection-errors\\.ts$",
          ],
        },
      },
      {
        name: "engine-never-imports-a-domain",
        comment:
          "The provisioning engine (lib/provisioning) sits below the domains: it knows DPS (lib/dps), IoT Hub as a device sees it (lib/iot-hub, for the hub check), the database (db/ and the process's pool, lib/database.ts), the settings, the logger and the metrics and traces (lib/observability), nothing above them. What it needs from a domain is handed in through lib/provisioning/domains.ts, filled in by lib/engine-wiring.ts.",
        severity: "error",
        from: { path: "^lib/provisioning/", pathNot: TEST_CODE },
        to: {
          path: "^lib/",
          pathNot: [
            "^lib/provisioning/",
            "^lib/dps/",
            "^lib/iot-hub/",
            "^lib/database\\.ts$",
            "^lib/env\\.ts$",
            "^lib/logger\\.ts$",
            "^lib/observability/",
          ],
        },
      },
      {
        name: "observability-is-infrastructure",
        comment:
          "lib/observability (metrics, traces, the log context) is infrastructure like the logger: the engine and the domains record into it, so it imports none of them, only the settings, the database and the DPS client's request type.",
        severity: "error",
        from: { path: "^lib/observability/", pathNot: TEST_CODE },
        to: {
          path: "^lib/",
          pathNot: [
            "^lib/observability/",
            "^lib/env\\.ts$",
            "^lib/logger\\.ts$",
            "^lib/database\\.ts$",
            "^lib/dps/http\\.ts$",
          ],
        },
      },
      {
        name: "domains-use-the-engine-through-its-front-door",
        comment:
          "Outside the engine, code uses lib/provisioning/index.ts (and its types.ts and domains.ts contract), not its internals, so the engine can change inside without the domains noticing.",
        severity: "error",
        from: { path: "^(app|components|lib)/", pathNot: [TEST_CODE, "^lib/provisioning/"] },
        to: { path: "^lib/provisioning/", pathNot: "^lib/provisioning/(index|types|domains)\\.ts$" },
      },
      {
        name: "db-never-imports-lib",
        comment:
          "db/ (schema, migrations, opening a pool) is the bottom layer: shared vocabulary such as the device statuses lives there, and lib/ imports it, never the reverse. Settings and logging belong to lib/: the process's one database (lib/database.ts) reads DATABASE_URL from lib/env.ts and hands it to db/client.ts.",
        severity: "error",
        from: { path: "^db/", pathNot: TEST_CODE },
        to: { path: "^lib/" },
      },
      {
        name: "product-never-imports-emulators-or-test-support",
        comment:
          "What ships (app/, components/, lib/, db/ and the root modules) never imports the stand-ins for Azure (emulators/) or test code (tests/, e2e/, bench/); the launcher (ops/) and scripts may start an emulator.",
        severity: "error",
        from: { path: PRODUCT, pathNot: TEST_CODE },
        to: { path: "^(emulators|tests|e2e|bench)/" },
      },
      {
        name: "client-components-never-import-server-only-modules",
        comment:
          'A "use client" file is bundled for the browser: a module that imports "server-only" (the data-access layer, the session) fails that build, and would ship server code. Client components take DTO types from *-dto.ts files and call server actions.',
        severity: "error",
        from: { path: exactly(clientFiles(root, files)) },
        to: { path: [exactly(serverOnlyFiles(root, files)), "(^|/)node_modules/server-only/"] },
      },
      {
        name: "only-pages-and-components-call-actions",
        comment:
          "Server actions (lib/actions) are the top of lib/: forms and buttons call them, nothing else in lib/ imports them (a data-access function calling an action would run its parsing and audit twice).",
        severity: "error",
        from: { path: "^(lib|db)/", pathNot: [TEST_CODE, "^lib/actions/"] },
        to: { path: "^lib/actions/" },
      },
      {
        name: "emulator-uses-only-pure-dps-code",
        comment:
          "The emulators (emulators/dps, emulators/iot-hub) stand in for Azure: from the app it may use only lib/dps's pure protocol code (key derivation, SAS tokens, the service API's rights and wire format), so it never depends on what it is testing.",
        severity: "error",
        from: { path: "^emulators/", pathNot: TEST_CODE },
        to: {
          path: "^(app|components|lib|db|ops|scripts)/",
          pathNot: "^lib/dps/(derive-device-key|sas|wire|service/(sas|rights|wire))\\.ts$",
        },
      },
    ],
    options: {
      doNotFollow: { path: "node_modules" },
      exclude: { path: "^(node_modules|\\.next|\\.data)/" },
      tsPreCompilationDeps: true,
      tsConfig: { fileName: "tsconfig.json" },
      enhancedResolveOptions: {
        exportsFields: ["exports"],
        conditionNames: ["import", "require", "node", "default", "types"],
        extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".d.ts"],
      },
      skipAnalysisNotInRules: true,
    },
  };
}

module.exports = layerRules(__dirname);
// Not part of the configuration: the test builds the same rules for a tree of planted violations.
Object.defineProperty(module.exports, "layerRules", { value: layerRules, enumerable: false });
