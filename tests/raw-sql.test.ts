import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * One way to query: drizzle's query builder, except in the modules that say on their first lines
 * why they send SQL text themselves (`// Raw SQL: …`: the plan, the lock, the batch, LISTEN/NOTIFY,
 * pg-boss's own tables) and that the README's Layout section names.
 */

const ROOTS = ["app", "components", "lib", "db", "ops", "scripts", "emulators"];
const SKIP = new Set(["node_modules", ".next", ".data", "migrations"]);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return SKIP.has(entry.name) ? [] : sources(file);
    return /\.(tsx?|mjs|cjs)$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [file] : [];
  });
}

/** A pg-style call: `.query(…)` or `.query<Row>(…)`. */
const RAW_CALL = /\.query\s*[<(]/;
/** The why, within the first lines (after `import "server-only"` at most). */
const HEADER = /^\/\/ Raw SQL: \S/m;

const files = ROOTS.flatMap(sources);
const raw = files.filter((file) => RAW_CALL.test(readFileSync(file, "utf8")));
const layout = (() => {
  const readme = readFileSync("README.md", "utf8");
  const start = readme.indexOf("## Layout");
  return readme.slice(start, readme.indexOf("\n## ", start + 1));
})();

describe("raw SQL stays in named modules", () => {
  it("finds the raw modules (so the checks below are not vacuous)", () => {
    expect(raw).toContain("lib/provisioning/attempts/device-attempt-sql.ts");
  });

  it("every module that sends SQL text itself says why on its first lines", () => {
    const silent = raw.filter(
      (file) => !HEADER.test(readFileSync(file, "utf8").split("\n").slice(0, 6).join("\n")),
    );
    expect(silent).toEqual([]);
  });

  it("the README's Layout section names exactly the raw modules", () => {
    const paragraph = layout.slice(
      layout.indexOf("**Raw SQL**"),
      layout.indexOf("\n\n", layout.indexOf("**Raw SQL**")),
    );
    const named = [...paragraph.matchAll(/`([\w/.-]+\.ts)`/g)].map((match) => match[1]!);
    expect([...new Set(named)].sort()).toEqual([...raw].sort());
  });
});
