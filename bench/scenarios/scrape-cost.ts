import { randomBytes } from "node:crypto";
import { pickPort } from "@/ops/postgres/free-port";
import { parseExposition, type Sample } from "@/tests/support/prometheus-text";
import type { BenchResult } from "../support/result";
import { startQuotaRig } from "../support/quota-rig";
import { seedDevices, startWorkerProcess, workerEnv, type Rig } from "../support/provisioning-rig";
import { enqueueUnassigned } from "../support/app-rig";
import { backendCpuSeconds, loadAverage, treeCpuSeconds } from "../support/process-cpu";
import { round } from "../support/stats";
import type { ScenarioContext } from "./provisioning";

const QUOTA = 10_000;
const RETRY_AFTER_SECONDS = 3;
const SCRAPE_INTERVAL_SECONDS = 15;
/** The fast scrape that makes the cost measurable: 60 times Prometheus's usual 15 s. */
const FAST_SCRAPE_MS = 250;
const MILLION = 1_000_000;
const HUBS = 300;
const TOKEN = randomBytes(24).toString("hex");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One scrape of `url` with the token, as Prometheus does it; the body. */
async function scrape(url: string): Promise<string> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
  if (response.status !== 200) throw new Error(`scrape of ${url}: HTTP ${response.status}`);
  return response.text();
}

/** Scrapes every `intervalMs` (back to back when 0) until `endAt`; how many scrapes were made. */
async function scrapeUntil(url: string, intervalMs: number, endAt: number): Promise<number> {
  let scrapes = 0;
  while (Date.now() < endAt) {
    const started = Date.now();
    await scrape(url);
    scrapes += 1;
    if (intervalMs > 0)
      await sleep(Math.max(0, Math.min(intervalMs - (Date.now() - started), endAt - Date.now())));
  }
  return scrapes;
}

async function assignedCount(rig: Rig): Promise<number> {
  const [row] = await rig.sql<{ n: number }>(
    "select coalesce(sum(count), 0)::int as n from device_counts where status = 'assigned'",
  );
  return row!.n;
}

type Window = { seconds: number; cpu: number; assigned: number; scrapes: number };

/** The worker's CPU (s), the devices assigned and the scrapes made during `seconds` of `scraping`. */
async function measureWindow(
  rig: Rig,
  workerPid: number,
  seconds: number,
  scraping: (endAt: number) => Promise<number>,
): Promise<Window> {
  const cpuBefore = treeCpuSeconds(workerPid);
  const assignedBefore = await assignedCount(rig);
  const started = Date.now();
  const scrapes = await scraping(started + seconds * 1000);
  await sleep(Math.max(0, started + seconds * 1000 - Date.now()));
  const elapsed = (Date.now() - started) / 1000;
  return {
    seconds: elapsed,
    cpu: treeCpuSeconds(workerPid) - cpuBefore,
    assigned: (await assignedCount(rig)) - assignedBefore,
    scrapes,
  };
}

/** Label → how many distinct values it takes, per metric (histogram buckets' `le` left out). */
function labelValueCounts(samples: Sample[]): Map<string, number> {
  const seen = new Map<string, Set<string>>();
  for (const sample of samples)
    for (const [key, value] of Object.entries(sample.labels)) {
      if (key === "le") continue;
      const id = `${sample.name.replace(/_(bucket|sum|count)$/, "")}{${key}}`;
      if (!seen.has(id)) seen.set(id, new Set());
      seen.get(id)!.add(value);
    }
  return new Map([...seen].map(([id, values]) => [id, values.size]));
}

/** A million devices planted by SQL, over HUBS hubs, in every status and hub status, with a few open hub circuits. */
async function plantMillion(rig: Rig): Promise<void> {
  const [row] = await rig.sql<{ n: number }>("select count(*)::int as n from devices");
  const missing = MILLION - row!.n;
  for (let from = 1; from <= missing; from += 200_000) {
    const to = Math.min(missing, from + 199_999);
    await rig.sql(
      `insert into devices (registration_id, created_by_email, status, assigned_hub, hub_status)
       select 'million-' || lpad(i::text, 7, '0'), 'operator' || (i % 50) || '@example.com',
              (array['pending','assigning','assigned','assigned','assigned','failed','disabled'])[1 + i % 7]::device_status,
              case when i % 7 between 2 and 4 then 'hub-' || (i % $3) || '.azure-devices.net' end,
              (array['unchecked','connected','connected','refused','unreachable'])[1 + i % 5]::device_hub_status
         from generate_series($1::int, $2::int) i`,
      [from, to, HUBS],
    );
  }
  await rig.sql(
    `insert into hub_circuits (hub, consecutive_failures, opened_at, open_until)
     select 'hub-' || i || '.azure-devices.net', 5, now() - interval '1 minute', now() + interval '10 seconds'
       from generate_series(0, 9) i on conflict do nothing`,
  );
}

/**
 * The cost of being scraped (README "Operating"): one `npm run worker` process provisioning at
 * 10,000 registrations/min (ten DPS units, Retry-After 3 s) against the DPS emulator in its own
 * process, its /metrics scraped over HTTP with the bearer token as Prometheus does. Three windows
 * under the same steady load: no scrape, a scrape every 15 s, and one every 250 ms; then the same
 * worker idle, unscraped and scraped back to back. The worker's CPU comes from /proc. The cost of
 * one scrape is (CPU scraped − CPU unscraped) / scrapes; at 15 s, as a share of the worker's CPU
 * under the load, it must stay under 1 %. Then a million devices are planted by SQL and the fleet
 * path's series and label values are counted.
 */
export async function scrapeCost(context: ScenarioContext): Promise<BenchResult[]> {
  const windowSeconds = context.quick ? 20 : 60;
  const warmupSeconds = 15;
  const devices = Math.ceil(((warmupSeconds + 3 * windowSeconds + 20) * QUOTA) / 60);
  const { emulator, database, rig, stop } = await startQuotaRig(
    context,
    "scrape-cost",
    QUOTA,
    RETRY_AFTER_SECONDS,
  );
  const results: BenchResult[] = [];
  try {
    await seedDevices(rig, "scrape-", devices);
    const metricsPort = await pickPort(0);
    const env = {
      ...workerEnv(rig, emulator, 0),
      HIC_WORKER_CONCURRENCY: "auto",
      HIC_IOT_HUB_CHECK: "off",
      HIC_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
      HIC_METRICS_TOKEN: TOKEN,
    };
    const worker = await startWorkerProcess(env);
    const own = `http://127.0.0.1:${metricsPort}/metrics`;
    const fleet = `http://127.0.0.1:${metricsPort}/metrics/fleet`;
    try {
      const loadBefore = loadAverage();
      context.log(
        `scrape cost: ${devices.toLocaleString("en")} devices at ${QUOTA}/min, ${windowSeconds} s windows…`,
      );
      await enqueueUnassigned(env);
      await sleep(warmupSeconds * 1000);
      const pid = worker.child.pid!;
      const none = await measureWindow(rig, pid, windowSeconds, async () => 0);
      const every15s = await measureWindow(rig, pid, windowSeconds, (endAt) =>
        scrapeUntil(own, SCRAPE_INTERVAL_SECONDS * 1000, endAt),
      );
      const fast = await measureWindow(rig, pid, windowSeconds, (endAt) =>
        scrapeUntil(own, FAST_SCRAPE_MS, endAt),
      );
      const remaining = devices - (await assignedCount(rig));
      if (remaining > 0)
        context.log(
          `scrape cost: ${remaining} devices still queued at the end of the windows (they finish now)`,
        );
      for (
        let deadline = Date.now() + 180_000;
        (await assignedCount(rig)) < devices && Date.now() < deadline;
      )
        await sleep(500);
      // Idle, after the run: the registry holds every series the run made.
      await sleep(3_000);
      const idle = await measureWindow(rig, pid, windowSeconds / 2, async () => 0);
      const idleScraped = await measureWindow(rig, pid, windowSeconds / 2, (endAt) =>
        scrapeUntil(own, 0, endAt),
      );
      const body = await scrape(own);

      const perRegistration = (w: Window) => (w.assigned > 0 ? (w.cpu / w.assigned) * 1000 : NaN);
      // Under load: the fast window's extra CPU per registration, times its registrations, per scrape.
      const loadedPerScrape =
        ((perRegistration(fast) - perRegistration(none)) * fast.assigned) / 1000 / Math.max(1, fast.scrapes);
      const idlePerScrape =
        (idleScraped.cpu - (idle.cpu / idle.seconds) * idleScraped.seconds) /
        Math.max(1, idleScraped.scrapes);
      const workerCpuPerSecond = none.cpu / none.seconds;
      const perScrape = Math.max(loadedPerScrape, idlePerScrape);
      const share = perScrape / SCRAPE_INTERVAL_SECONDS / workerCpuPerSecond;
      results.push({
        scenario: "scraping a worker under 10,000 registrations/min",
        setup: `one worker process (npm run worker, concurrency auto, hub check off), DPS emulator in its own process (quota ${QUOTA.toLocaleString("en")}/min, Retry-After ${RETRY_AFTER_SECONDS} s), ${devices.toLocaleString("en")} devices; its /metrics scraped over HTTP with the bearer token; ${windowSeconds} s windows under the same load: unscraped, every ${SCRAPE_INTERVAL_SECONDS} s, every ${FAST_SCRAPE_MS} ms; then idle ${windowSeconds / 2} s unscraped and ${windowSeconds / 2} s scraped back to back; worker CPU from /proc; load average ${loadBefore} before, ${loadAverage()} after`,
        metrics: {
          "registrations/min in the unscraped window": Math.round((none.assigned / none.seconds) * 60),
          "worker CPU under load (% of a core)": round(workerCpuPerSecond * 100, 1),
          "worker CPU ms / registration: unscraped": round(perRegistration(none), 3),
          "  scraped every 15 s": round(perRegistration(every15s), 3),
          [`  scraped every ${FAST_SCRAPE_MS} ms (${fast.scrapes} scrapes)`]: round(perRegistration(fast), 3),
          "CPU ms per scrape, under load": round(loadedPerScrape * 1000, 2),
          [`CPU ms per scrape, idle (${idleScraped.scrapes} back to back)`]: round(idlePerScrape * 1000, 2),
          "scrape size (bytes / series)": `${body.length.toLocaleString("en")} / ${parseExposition(body).length}`,
          "scraping every 15 s, % of the worker's CPU": round(share * 100, 3),
        },
        target:
          "a scrape every 15 s costs < 1 % of the worker's CPU under the load (the larger per-scrape figure counts)",
        met: share < 0.01,
        details: { none, every15s, fast, idle, idleScraped },
      });

      // A million devices: the fleet path's series and label values, and what one fleet scrape costs.
      context.log("scrape cost: planting a million devices…");
      await plantMillion(rig);
      await scrape(fleet); // the first read warms the plans
      const cpuBefore = { worker: treeCpuSeconds(pid), database: backendCpuSeconds(database) };
      const timings: number[] = [];
      let fleetBody = "";
      for (let i = 0; i < 20; i++) {
        const started = performance.now();
        fleetBody = await scrape(fleet);
        timings.push(performance.now() - started);
      }
      const fleetCpu = {
        worker: (treeCpuSeconds(pid) - cpuBefore.worker) / 20,
        database: (backendCpuSeconds(database) - cpuBefore.database) / 20,
      };
      const ownSamples = parseExposition(await scrape(own));
      const fleetSamples = parseExposition(fleetBody);
      const counts = labelValueCounts([...ownSamples, ...fleetSamples]);
      const [largest, largestCount] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
      const [planted] = await rig.sql<{ n: number }>("select count(*)::int as n from devices");
      const assignedHubs = fleetSamples
        .filter((s) => s.name === "hic_devices")
        .reduce((sum, s) => sum + s.value, 0);
      results.push({
        scenario: "metrics at a million devices",
        setup: `${planted!.n.toLocaleString("en")} devices in the database (planted by SQL over ${HUBS} hubs, every status and hub status, 10 open hub circuits), the same worker's /metrics and /metrics/fleet; 20 fleet scrapes timed`,
        metrics: {
          "series, /metrics (worker)": ownSamples.length,
          "series, /metrics/fleet": fleetSamples.length,
          "largest label value count": `${largestCount} (${largest})`,
          "devices summed over hic_devices": assignedHubs,
          "fleet scrape p50 ms": round(timings.sort((a, b) => a - b)[10]!, 1),
          "fleet scrape CPU ms: worker / PostgreSQL": `${round(fleetCpu.worker * 1000, 1)} / ${round(fleetCpu.database * 1000, 1)}`,
        },
        target:
          "no label with more than a few hundred values (≤ 300), and the fleet's counts add up to every device",
        met: largestCount <= 300 && assignedHubs === planted!.n,
        details: Object.fromEntries(counts),
      });
    } finally {
      await worker.stop();
    }
  } finally {
    await stop();
  }
  return results;
}
