import pg from "pg";
import { randomBytes } from "node:crypto";
import { startNextServer } from "@/ops/launcher/next-server";
import { pickPort } from "@/ops/postgres/free-port";
import { hashPassword } from "@/lib/auth/password";
import { encodeCursor } from "@/lib/devices/list-devices";
import { percentile, round } from "../support/stats";
import { signInOverHttp } from "../support/sign-in";
import { measureSearches, sampledSearches } from "./devices-search-sample";
import type { BenchResult } from "../support/result";
import { timeRequest } from "../support/measure";

const HUBS = ["hub-west.azure-devices.net", "hub-east.azure-devices.net", "hub-north.azure-devices.net"];
const SAMPLES = 40;
const WARMUP = 8;

/**
 * Grows the table to `target` rows in one set-based statement, with a realistic mix of states:
 * registration IDs `dev-00000001` … and names `Meter 1` …, newest first by device number. The
 * vacuum stands in for the autovacuum a table that grew to this size has had.
 */
async function seedTo(client: pg.Client, from: number, target: number): Promise<void> {
  await client.query(
    `insert into devices (registration_id, name, status, assigned_hub, dps_device_id, substatus, last_error_kind, last_error_code, last_error_message, updated_at)
     select 'dev-' || lpad(g::text, 8, '0'), 'Meter ' || g,
       (case when g % 50 = 0 then 'failed' when g % 20 = 0 then 'pending' else 'assigned' end)::device_status,
       case when g % 50 <> 0 and g % 20 <> 0 then ($3::text[])[1 + (g % 3)] end,
       case when g % 50 <> 0 and g % 20 <> 0 then 'dev-' || lpad(g::text, 8, '0') end,
       case when g % 50 <> 0 and g % 20 <> 0 then 'initialAssignment' end,
       case when g % 50 = 0 then 'unauthorized' end, case when g % 50 = 0 then '401002' end, case when g % 50 = 0 then 'Unauthorized' end,
       now() - (g * interval '1 second')
     from generate_series($1::int, $2::int) g`,
    [from + 1, target, HUBS],
  );
  await client.query("vacuum (analyze) devices");
}

export async function devicesPageScenario(options: {
  databaseUrl: string;
  sizes: number[];
  quick: boolean;
  log: (line: string) => void;
}): Promise<BenchResult[]> {
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  const password = "bench-support-password";
  await client.query("insert into users (email, password_hash, role) values ($1, $2, 'support')", [
    "support@bench.local",
    await hashPassword(password),
  ]);

  const port = await pickPort(0);
  const app = await startNextServer({
    root: process.cwd(),
    host: "127.0.0.1",
    port,
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      AUTH_SECRET: randomBytes(32).toString("base64"),
      HIC_SECRET_KEY: randomBytes(32).toString("base64"),
      HIC_WORKER: "off",
      LOG_LEVEL: "warn",
    },
  });
  const results: BenchResult[] = [];
  try {
    const cookie = await signInOverHttp(app.url, "support@bench.local", password);
    const perSize = new Map<number, Record<string, { p50: number; p95: number }>>();
    let seeded = 0;
    for (const size of options.sizes) {
      const started = Date.now();
      await seedTo(client, seeded, size);
      seeded = size;
      options.log(
        `devices page: seeded ${size.toLocaleString("en")} devices in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      const deep = Math.floor(size * 0.9);
      const queries: Record<string, string> = {
        "first page": "/devices",
        "status filter": "/devices?status=failed",
        "hub filter": `/devices?hub=${encodeURIComponent(HUBS[2]!)}`,
        "prefix search": `/devices?q=dev-${String(Math.floor(size / 2))
          .padStart(8, "0")
          .slice(0, 6)}`,
        "deep page": `/devices?after=${encodeCursor([`dev-${String(deep).padStart(8, "0")}`, deep])}`,
      };
      const timings: Record<string, { p50: number; p95: number }> = {};
      for (const [name, path] of Object.entries(queries)) {
        for (let i = 0; i < WARMUP; i++) await timeRequest(app.url + path, cookie);
        const samples: number[] = [];
        for (let i = 0; i < SAMPLES; i++) samples.push(await timeRequest(app.url + path, cookie));
        timings[name] = { p50: round(percentile(samples, 50)), p95: round(percentile(samples, 95)) };
      }
      perSize.set(size, timings);
    }
    const largest = options.sizes.at(-1)!;
    const searches = await sampledSearches(client, largest, HUBS, options.quick);
    results.push(
      await measureSearches({
        searches,
        size: largest,
        time: (path) => timeRequest(app.url + path, cookie),
        samples: options.quick ? 5 : 20,
        rerun: { count: 5, warmup: WARMUP, samples: SAMPLES },
        log: options.log,
      }),
    );
    const smallest = options.sizes[0]!;
    for (const name of Object.keys(perSize.get(smallest)!)) {
      const metrics: Record<string, number | string> = {};
      for (const size of options.sizes) {
        const t = perSize.get(size)![name]!;
        metrics[`p50@${size}`] = t.p50;
        metrics[`p95@${size}`] = t.p95;
      }
      const ratio = round(perSize.get(largest)![name]!.p95 / perSize.get(smallest)![name]!.p95, 2);
      metrics[`ratio p95 ${largest}/${smallest}`] = ratio;
      const p95Largest = perSize.get(largest)![name]!.p95;
      results.push({
        scenario: `devices page: ${name}`,
        setup: `${options.sizes.map((s) => s.toLocaleString("en")).join(" / ")} devices, signed-in support user over HTTP, ${SAMPLES} samples after ${WARMUP} warm-up (ms)`,
        metrics,
        target:
          largest >= 1_000_000
            ? "p95 <= 150 ms at 1,000,000 and ratio <= 1.5"
            : "ratio <= 1.5 (p95 <= 150 ms checked at 1,000,000 in the full run)",
        met: ratio <= 1.5 && (largest < 1_000_000 || p95Largest <= 150),
      });
    }
  } finally {
    await app.stop();
    await client.end();
  }
  return results;
}
