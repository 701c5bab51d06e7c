import { existsSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { childProcessEnv } from "@/lib/env";
import { makeTreePrivate } from "@/ops/runtime/private-file";
import { buildIdFor } from "./build-id.cjs";

export { sourceHash } from "./build-id.cjs";

/** The ID of the build in `root/.next`, or null when there is none. */
export function currentBuildId(root: string): string | null {
  const file = path.join(root, ".next", "BUILD_ID");
  return existsSync(file) ? readFileSync(file, "utf8").trim() : null;
}

/** The build ID `next build` gives these sources with this server-actions key (next.config.js uses the same function). */
export function expectedBuildId(root: string, actionsKey: string): string {
  const id = buildIdFor(root, actionsKey);
  if (!id) throw new Error("A server-actions key is needed to build (NEXT_SERVER_ACTIONS_ENCRYPTION_KEY).");
  return id;
}

/**
 * Builds the production bundle unless the current one was built from exactly these sources with
 * this server-actions key (its build ID says so). Returns the build ID.
 */
export function ensureBuild(root: string, actionsKey: string, log: (line: string) => void): string {
  const wanted = expectedBuildId(root, actionsKey);
  // The build output carries the server-actions key in its manifests: this account's alone.
  if (currentBuildId(root) === wanted) {
    makeTreePrivate(path.join(root, ".next"));
    return wanted;
  }
  log(
    "Building the app (first start, changed sources or another server-actions key; takes a minute or two)…",
  );
  const result = spawnSync(process.execPath, [require.resolve("next/dist/bin/next"), "build"], {
    cwd: root,
    stdio: "inherit",
    // No DATABASE_URL: a page that touched the database at build time would be a bug, and should fail loudly.
    env: childProcessEnv({
      DATABASE_URL: "",
      NEXT_TELEMETRY_DISABLED: "1",
      NODE_ENV: "production",
      NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: actionsKey,
    }),
  });
  if (result.status !== 0) throw new Error("`next build` failed; its output is above.");
  makeTreePrivate(path.join(root, ".next"));
  const built = currentBuildId(root);
  if (built !== wanted)
    throw new Error(
      `The build came out as ${built ?? "nothing"}, not ${wanted}: did the sources change while it ran? Start again.`,
    );
  return wanted;
}
