import { mkdirSync, chmodSync } from "node:fs";
import path from "node:path";
import { env } from "@/lib/env";

/** Where local state lives (embedded Postgres, generated secrets, emulator CA). */
export function resolveDataDir(dir: string = env().HIC_DATA_DIR): string {
  return path.resolve(dir);
}

/**
 * Creates the data directory. It must be traversable by other users because the embedded
 * Postgres runs as the unprivileged `postgres` user when we are root; secrets inside stay 0600.
 */
export function prepareDataDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  return dir;
}
