import { describe, expect, it } from "vitest";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
} from "node:fs";
import { execFileSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { prepareDataDir } from "@/ops/runtime/data-dir";
import { startEmbeddedPostgres } from "./embedded";
import { packagedRuntime, runtimeIn } from "./runtime";

async function query(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

const asRoot = process.getuid?.() === 0;

/** A checkout under a folder only root may enter (mode 700), like a clone in /root or in `mktemp -d`. */
function privateCheckout(options: { withPrograms: boolean }) {
  const folder = mkdtempSync(path.join(os.tmpdir(), "hic-private-"));
  expect(statSync(folder).mode & 0o777).toBe(0o700);
  const nativeCopy = path.join(folder, "native");
  if (options.withPrograms)
    cpSync(packagedRuntime().runtime.dir, nativeCopy, { recursive: true, verbatimSymlinks: true });
  const shared = mkdtempSync(path.join(os.tmpdir(), "hic-shared-"));
  chmodSync(shared, 0o755);
  return {
    folder,
    shared,
    dataDir: prepareDataDir(path.join(folder, "data")),
    runtime: { runtime: runtimeIn(nativeCopy), version: `test-${path.basename(folder)}` },
    cleanUp: () => {
      rmSync(folder, { recursive: true, force: true });
      rmSync(shared, { recursive: true, force: true });
    },
  };
}

describe.runIf(asRoot)("embedded PostgreSQL as root in a private folder", () => {
  it(
    "runs a copy of the programs and keeps the cluster where the postgres user can reach them, found again on the next start",
    { timeout: 120_000 },
    async () => {
      const checkout = privateCheckout({ withPrograms: true });
      try {
        const first = await startEmbeddedPostgres({
          dataDir: checkout.dataDir,
          sharedDir: checkout.shared,
          runtime: checkout.runtime,
        });
        expect(first.clusterDir.startsWith(path.join(checkout.shared, "clusters") + path.sep)).toBe(true);
        expect(readFileSync(path.join(checkout.dataDir, "postgres.location"), "utf8").trim()).toBe(
          first.clusterDir,
        );
        expect(readdirSync(path.join(checkout.shared, "runtime"))).toEqual([checkout.runtime.version]);
        expect(statSync(first.clusterDir).uid).toBe(
          Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" })),
        );
        // The user's own folder stays closed.
        expect(statSync(checkout.folder).mode & 0o777).toBe(0o700);
        await query(first.url, "create table kept (v text); insert into kept values ('still here')");
        await first.stop();

        const second = await startEmbeddedPostgres({
          dataDir: checkout.dataDir,
          sharedDir: checkout.shared,
          runtime: checkout.runtime,
        });
        expect(second.clusterDir).toBe(first.clusterDir);
        expect(await query(second.url, "select v from kept")).toEqual([{ v: "still here" }]);
        await second.stop();
      } finally {
        checkout.cleanUp();
      }
    },
  );

  it(
    "refuses in one line that names the cause and both fixes when nothing the postgres user can reach is usable, before starting anything",
    { timeout: 60_000 },
    async () => {
      // The refusal comes before the programs are looked at, so the test needs no copy of them.
      const checkout = privateCheckout({ withPrograms: false });
      try {
        const sharedInsidePrivate = path.join(checkout.folder, "shared");
        const refusal = await startEmbeddedPostgres({
          dataDir: checkout.dataDir,
          sharedDir: sharedInsidePrivate,
          runtime: checkout.runtime,
        }).then(
          () => null,
          (error: Error) => error.message,
        );
        expect(refusal).toMatch(/cannot reach .*private/);
        expect(refusal).toMatch(/HIC_DATA_DIR/);
        expect(refusal).toMatch(/DATABASE_URL/);
        expect(refusal).not.toContain("\n");
        expect(existsSync(path.join(checkout.dataDir, "postgres"))).toBe(false);
        expect(existsSync(path.join(checkout.dataDir, "postgres.location"))).toBe(false);
      } finally {
        checkout.cleanUp();
      }
    },
  );
});
