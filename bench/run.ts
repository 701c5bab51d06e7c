/**
 * `npm run bench` (full) and `npm run bench -- --quick` (under five minutes): provisioning against
 * the quota, throughput against the official SDK, time to hub, the devices page at scale, CSV
 * import, reconciling 100,000 registration records, the Registration records view at scale, 1 vs 2
 * web servers + 2 workers behind a balancer, 10,000 registrations/min, a soak with faults, recovery
 * times, the hub check against 10,000 registrations/min and through a hub outage. Runs against embedded PostgreSQL (or DATABASE_URL's server) and the local DPS emulator;
 * prints a table and writes the same figures to bench/results/latest.json.
 *   --only quota,throughput,time-to-hub,ten-units,soak,recovery,hub-check,scrape-cost,devices-page,csv-import,reconciliation,records-view,hub-drift,fleet   run some scenarios
 *   --soak-devices N        the soak's fleet (full run: 100,000; --quick: 5,000)
 *   --ten-units-devices N   the 10,000/min run's fleet (full run: 50,000; --quick: 10,000)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureBuild } from "@/ops/launcher/build";
import { resolveDataDir, prepareDataDir } from "@/ops/runtime/data-dir";
import { localActionsKey } from "@/ops/runtime/required-secrets";
import { benchDatabase, startTestServer, tempDir } from "./support/database";
import type { BenchResult } from "./support/result";
import { devicesPageScenario } from "./scenarios/devices-page";
import { csvImportScenario } from "./scenarios/csv-import";
import { SCENARIO_RUNNERS } from "./scenarios/provisioning";
import { reconciliationScenario, recordsViewScenario } from "./scenarios/reconciliation";
import { fleetScaleScenario } from "./scenarios/fleet-scale";
import { hubDriftScenario } from "./scenarios/hub-drift";
import { RESILIENCE_RUNNERS } from "./scenarios/resilience";
import { scrapeCost } from "./scenarios/scrape-cost";

const log = (line: string) => console.log(`[bench] ${line}`);

function printTable(results: BenchResult[]): void {
  for (const r of results) {
    const verdict = r.met === null ? "  " : r.met ? "OK" : "--";
    console.log(`\n${verdict} ${r.scenario}\n   setup:  ${r.setup}\n   target: ${r.target}`);
    const width = Math.max(...Object.keys(r.metrics).map((k) => k.length));
    for (const [k, v] of Object.entries(r.metrics))
      console.log(`   ${k.padEnd(width)}  ${typeof v === "number" ? v.toLocaleString("en") : v}`);
    if (r.notes) console.log(`   note:   ${r.notes}`);
  }
}

function sizeArgument(args: string[], flag: string): number | undefined {
  const index = args.indexOf(flag);
  if (index < 0) return undefined;
  const value = Number(args[index + 1]);
  if (!Number.isInteger(value) || value < 100)
    throw new Error(
      `${flag} needs a whole number of devices (at least 100), got ${args[index + 1] ?? "nothing"}`,
    );
  return value;
}

async function main() {
  const args = process.argv.slice(2);
  const quick = args.includes("--quick");
  const onlyIndex = args.indexOf("--only");
  const only = onlyIndex >= 0 ? new Set(args[onlyIndex + 1]?.split(",")) : null;
  const wanted = (name: string) => !only || only.has(name);
  const fleets = {
    soak: sizeArgument(args, "--soak-devices"),
    tenUnits: sizeArgument(args, "--ten-units-devices"),
  };
  const started = Date.now();
  const results: BenchResult[] = [];
  const work = tempDir("hic-bench-");
  const server = await startTestServer();
  try {
    for (const [name, runner] of Object.entries(SCENARIO_RUNNERS)) {
      if (!wanted(name)) continue;
      log(`${name}…`);
      results.push(...(await runner({ server, quick, workDir: work.dir, log })));
    }
    const needsBuild = Object.keys(RESILIENCE_RUNNERS).some(wanted);
    if (needsBuild) ensureBuild(process.cwd(), localActionsKey(prepareDataDir(resolveDataDir()), log), log);
    for (const [name, runner] of Object.entries(RESILIENCE_RUNNERS)) {
      if (!wanted(name)) continue;
      log(`${name}…`);
      results.push(...(await runner({ server, quick, workDir: work.dir, log, sizes: fleets })));
    }
    if (wanted("scrape-cost")) {
      log("the cost of scraping a worker under 10,000/min; metrics at a million devices…");
      results.push(...(await scrapeCost({ server, quick, workDir: work.dir, log })));
    }
    if (wanted("devices-page")) {
      log("devices page…");
      ensureBuild(process.cwd(), localActionsKey(prepareDataDir(resolveDataDir()), log), log);
      const sizes = quick ? [1_000, 100_000] : [1_000, 100_000, 1_000_000];
      results.push(
        ...(await devicesPageScenario({
          databaseUrl: await benchDatabase(server, "bench_page"),
          sizes,
          quick,
          log,
        })),
      );
    }
    if (wanted("csv-import")) {
      log("CSV import over HTTP…");
      ensureBuild(process.cwd(), localActionsKey(prepareDataDir(resolveDataDir()), log), log);
      results.push(
        ...(await csvImportScenario({
          databaseUrl: await benchDatabase(server, "bench_import"),
          rows: quick ? 200_000 : 1_000_000,
          workDir: work.dir,
          log,
        })),
      );
    }
    if (wanted("reconciliation")) {
      log("registration records reconciliation…");
      ensureBuild(process.cwd(), localActionsKey(prepareDataDir(resolveDataDir()), log), log);
      results.push(
        await reconciliationScenario({
          databaseUrl: await benchDatabase(server, "bench_reconcile"),
          records: 100_000,
          workDir: work.dir,
          log,
        }),
      );
    }
    if (wanted("records-view")) {
      log("registration records view…");
      ensureBuild(process.cwd(), localActionsKey(prepareDataDir(resolveDataDir()), log), log);
      const sizes = quick ? [1_000, 100_000] : [1_000, 100_000, 1_000_000];
      results.push(
        ...(await recordsViewScenario({
          databaseUrl: await benchDatabase(server, "bench_records_view"),
          sizes,
          log,
        })),
      );
    }
    if (wanted("hub-drift")) {
      log("hub drift over 100,000 identities, and its page…");
      ensureBuild(process.cwd(), localActionsKey(prepareDataDir(resolveDataDir()), log), log);
      results.push(
        ...(await hubDriftScenario({
          databaseUrl: await benchDatabase(server, "bench_hub_drift"),
          identities: quick ? 20_000 : 100_000,
          workDir: work.dir,
          log,
        })),
      );
    }
    if (wanted("fleet")) {
      log("1 vs 2 web servers + 2 workers behind a balancer…");
      const actionsKey = localActionsKey(prepareDataDir(resolveDataDir()), log);
      ensureBuild(process.cwd(), actionsKey, log);
      results.push(...(await fleetScaleScenario({ server, quick, workDir: work.dir, log, actionsKey })));
    }
  } finally {
    await server.stop();
    work.remove();
  }
  printTable(results);
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const report = {
    date: new Date().toISOString(),
    mode: quick ? "quick" : "full",
    machine,
    durationSeconds: Math.round((Date.now() - started) / 1000),
    results,
  };
  mkdirSync(path.join("bench", "results"), { recursive: true });
  writeFileSync(path.join("bench", "results", "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
  log(`Done in ${report.durationSeconds} s on ${machine}; figures in bench/results/latest.json.`);
}

main().catch((error) => {
  console.error(`[bench] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
