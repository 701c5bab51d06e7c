import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { accountCan, type PostgresAccount } from "./postgres-account";
import { ensureSharedDirectory } from "./runtime";

/** Beside the other state in the data directory: where this data directory's cluster lives when it is not inside it. */
export const LOCATION_RECORD = "postgres.location";

export class EmbeddedPostgresUnavailableError extends Error {}

/** One line: what is wrong, and the two ways out. */
export function unreachable(cause: string): EmbeddedPostgresUnavailableError {
  return new EmbeddedPostgresUnavailableError(
    `Embedded PostgreSQL cannot run here: as root it runs as the "postgres" user, who ${cause}. ` +
      "Set HIC_DATA_DIR to a directory that user can reach (e.g. under /var/lib or /srv), or set DATABASE_URL to a PostgreSQL server you run.",
  );
}

function slug(dataDir: string): string {
  const name =
    path.basename(dataDir) === ".data" ? path.basename(path.dirname(dataDir)) : path.basename(dataDir);
  return (
    name
      .replace(/[^A-Za-z0-9_-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 40) || "data"
  );
}

/**
 * The cluster's directory. Normally `<dataDir>/postgres`. When the server's account cannot reach
 * the data directory (root, with a data directory under a private folder), a new cluster goes to
 * `<sharedDir>/clusters/<name>-<random>/postgres` instead, and the data directory records where,
 * so every later start (and `npm run user:*`, `npm run worker`) finds the same cluster.
 */
export function clusterLocation(
  dataDir: string,
  account: PostgresAccount,
  sharedDir: string,
): { clusterDir: string; relocated: boolean } {
  const record = path.join(dataDir, LOCATION_RECORD);
  const local = path.join(dataDir, "postgres");
  if (existsSync(record)) {
    const clusterDir = readFileSync(record, "utf8").trim();
    if (!accountCan(account, "-x", path.dirname(clusterDir)))
      throw unreachable(
        `cannot reach ${path.dirname(clusterDir)}, where ${record} says this data directory's cluster is`,
      );
    return { clusterDir, relocated: true };
  }
  if (!account || accountCan(account, "-x", dataDir)) return { clusterDir: local, relocated: false };
  if (existsSync(path.join(local, "PG_VERSION")))
    throw unreachable(`cannot reach the existing cluster in ${local} (a parent directory is private)`);

  let clusters: string;
  try {
    clusters = ensureSharedDirectory(sharedDir, "clusters");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "EEXIST" || code === "ENOTDIR"
        ? "is not a directory"
        : `cannot be created (${code ?? (error as Error).message})`;
    throw unreachable(`cannot reach ${dataDir} (a parent directory is private), and ${sharedDir} ${why}`);
  }
  if (!accountCan(account, "-x", clusters))
    throw unreachable(`cannot reach ${dataDir} nor ${clusters} (a parent directory is private)`);
  const home = ensureSharedDirectory(clusters, `${slug(dataDir)}-${randomBytes(4).toString("hex")}`);
  writeFileSync(path.join(home, "data-directory"), `${dataDir}\n`);
  const clusterDir = path.join(home, "postgres");
  writeFileSync(record, `${clusterDir}\n`);
  return { clusterDir, relocated: true };
}
