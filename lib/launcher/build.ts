import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { childProcessEnv } from "@/lib/env";

const SOURCE_ROOTS = ["app", "components", "lib", "db", "public", "auth.ts", "proxy.ts", "next.config.js", "postcss.config.mjs", "package-lock.json", "tsconfig.json"];
const STAMP = path.join(".next", "hic-source-hash");

function* files(entry: string): Generator<string> {
  if (!existsSync(entry)) return;
  if (statSync(entry).isFile()) {
    yield entry;
    return;
  }
  for (const name of readdirSync(entry).sort()) {
    if (name === "node_modules" || name.endsWith(".test.ts")) continue;
    yield* files(path.join(entry, name));
  }
}

/** A hash of everything that goes into `next build`, so a stale build is noticed without timestamps. */
export function sourceHash(root: string): string {
  const hash = createHash("sha256");
  for (const root_ of SOURCE_ROOTS) {
    for (const file of files(path.join(root, root_))) {
      hash.update(path.relative(root, file)).update("\0").update(readFileSync(file)).update("\0");
    }
  }
  return hash.digest("hex");
}

/** Builds the production bundle unless the current one was built from exactly these sources. */
export function ensureBuild(root: string, log: (line: string) => void): void {
  const wanted = sourceHash(root);
  const stamp = path.join(root, STAMP);
  if (existsSync(path.join(root, ".next", "BUILD_ID")) && existsSync(stamp) && readFileSync(stamp, "utf8") === wanted) return;
  log("Building the app (first start or changed sources; takes a minute or two)…");
  const result = spawnSync(process.execPath, [require.resolve("next/dist/bin/next"), "build"], {
    cwd: root,
    stdio: "inherit",
    // No DATABASE_URL: a page that touched the database at build time would be a bug, and should fail loudly.
    env: childProcessEnv({ DATABASE_URL: "", NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" }),
  });
  if (result.status !== 0) throw new Error("`next build` failed; its output is above.");
  writeFileSync(stamp, wanted);
}
