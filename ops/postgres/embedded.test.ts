import { describe, expect, it } from "vitest";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres } from "./embedded";

async function query(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

describe("embedded PostgreSQL", () => {
  it(
    "keeps its data across restarts and moves to a free port when the preferred one is taken",
    { timeout: 90_000 },
    async () => {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), "hic-embedded-"));
      chmodSync(dataDir, 0o755);
      const blocker = net.createServer();
      await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
      const takenPort = (blocker.address() as net.AddressInfo).port;
      try {
        const first = await startEmbeddedPostgres({ dataDir, preferredPort: takenPort });
        expect(first.port).not.toBe(takenPort);
        await query(first.url, "create table kept (v text); insert into kept values ('still here')");
        await first.stop();

        const second = await startEmbeddedPostgres({ dataDir });
        expect(await query(second.url, "select v from kept")).toEqual([{ v: "still here" }]);
        await second.stop();
      } finally {
        blocker.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  );
});
