import path from "node:path";
import type { BenchResult } from "../support/result";
import { startQuotaRig } from "../support/quota-rig";
import type { EmulatorProcess } from "../support/emulator-process";
import { seedDevices, waitForAssigned, type Rig } from "../support/provisioning-rig";
import { enqueueUnassigned, startAppRig, type AppRig } from "../support/app-rig";
import { backendCpuSeconds, loadAverage, treeCpuSeconds, treeRssMegabytes } from "../support/process-cpu";
import { emulatorRegistrationSpan } from "../support/measure";
import { round } from "../support/stats";
import type { ScenarioContext } from "./provisioning";

const QUOTA = 10_000;
const RETRY_AFTER_SECONDS = 3;
/** Per hub: the emulator's 1:3 split puts 7,500 of 10,000 registrations a minute (125/s) on one hub. */
const CHECKS_PER_SECOND = 250;
const OUTAGE_SECONDS = 60;
const HUBS = ["bench-hub-1.azure-devices.net", "bench-hub-2.azure-devices.net"];

/** The settings `npm start` gives the app for the local IoT Hub: the hubs' names at its MQTT port, its CA. */
function hubEnv(emulator: EmulatorProcess): Record<string, string> {
  return {
    HIC_IOT_HUB_ADDRESSES: HUBS.map(
      (hub) => `${hub}=${emulator.iotHub.address}:${emulator.iotHub.mqttPort}`,
    ).join(","),
    HIC_IOT_HUB_CA_FILE: emulator.iotHub.caFile,
    HIC_IOT_HUB_CHECKS_PER_SECOND: String(CHECKS_PER_SECOND),
    // HIC_BENCH_CPU_PROFILE_DIR=dir: the app's processes write V8 CPU profiles there when they stop.
    ...(process.env.HIC_BENCH_CPU_PROFILE_DIR
      ? { NODE_OPTIONS: `--import ${path.resolve("bench/support/cpu-profile.mjs")}` }
      : {}),
  };
}

async function waitForConnected(rig: Rig, prefix: string, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await rig.sql<{ n: string }>(
      "select count(*) as n from devices where registration_id like $1 and hub_status = 'connected' and hub_check_due_at is null",
      [`${prefix}%`],
    );
    if (Number(row!.n) >= count) return;
    if (Date.now() > deadline) {
      const states = await rig.sql(
        "select status, hub_status, hub_error_code, count(*) from devices where registration_id like $1 group by 1, 2, 3",
        [`${prefix}%`],
      );
      throw new Error(`only ${row!.n} of ${count} devices connected to their hub: ${JSON.stringify(states)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** First and last connected check, and the assigned-to-connected times (s), from the database. */
async function checkTimes(rig: Rig, prefix: string) {
  const [row] = await rig.sql<{
    n: string;
    first: Date;
    last: Date;
    last_assigned: Date;
    p50: number;
    p95: number;
    max: number;
  }>(
    `with assigned as (
       select h.device_id, max(h.finished_at) as at from provisioning_history h
       join devices d on d.id = h.device_id
       where d.registration_id like $1 and h.outcome = 'assigned' group by 1
     )
     select count(*) as n, min(d.hub_checked_at) as first, max(d.hub_checked_at) as last, max(a.at) as last_assigned,
       percentile_cont(0.5) within group (order by extract(epoch from d.hub_checked_at - a.at)) as p50,
       percentile_cont(0.95) within group (order by extract(epoch from d.hub_checked_at - a.at)) as p95,
       max(extract(epoch from d.hub_checked_at - a.at)) as max
     from devices d join assigned a on a.device_id = d.id
     where d.hub_status = 'connected'`,
    [`${prefix}%`],
  );
  return row!;
}

/** Peak resident memory of the app's processes while `until` is false, sampled every 200 ms. */
function sampleRss(app: AppRig, until: () => boolean): Promise<{ web: number; worker: number }> {
  return new Promise((resolve) => {
    const peak = { web: 0, worker: 0 };
    const sample = () => {
      peak.web = Math.max(peak.web, treeRssMegabytes(app.web.child.pid!));
      for (const worker of app.workers)
        if (worker) peak.worker = Math.max(peak.worker, treeRssMegabytes(worker.child.pid!));
      if (until()) resolve(peak);
      else setTimeout(sample, 200);
    };
    sample();
  });
}

/**
 * The hub check at scale, through the running app (web server with its worker + 2 `npm run
 * worker`) and the local IoT Hub inside the emulator's own process: (1) hub checks against
 * provisioning at 10,000 registrations/min, with the time from assigned to connected; (2) the CPU
 * and peak memory of checks alone (every device checked again); (3) both hubs offline for 60 s
 * while devices are assigned: none may fail, and the last must connect within 10 s of the return.
 */
export async function hubCheck(context: ScenarioContext): Promise<BenchResult[]> {
  const devices = context.sizes?.tenUnits ?? (context.quick ? 5_000 : 20_000);
  const outageDevices = context.quick ? 300 : 1_000;
  const { emulator, database, rig, stop } = await startQuotaRig(
    context,
    "hub-check",
    QUOTA,
    RETRY_AFTER_SECONDS,
  );
  const results: BenchResult[] = [];
  try {
    await seedDevices(rig, "hub-", devices);
    const app = await startAppRig(rig, emulator, { workers: 2, extraEnv: hubEnv(emulator) });
    try {
      // (1) Provisioning at 10,000/min with the hub checks it sets off.
      const loadBefore = loadAverage();
      context.log(`hub check: ${devices} devices at ${QUOTA}/min…`);
      await enqueueUnassigned(app.env);
      // On a loaded machine DPS (the emulator) may not reach the quota: the checks are then measured
      // against what it did assign, and the shortfall is in the figures.
      let assigned = devices;
      try {
        await waitForAssigned(rig, "hub-", devices, (devices / QUOTA) * 60_000 * 3 + 120_000);
      } catch (error) {
        context.log(`hub check: ${(error as Error).message}`);
        const [row] = await rig.sql<{ n: string }>(
          "select count(*) as n from devices where registration_id like 'hub-%' and status = 'assigned'",
        );
        assigned = Number(row!.n);
      }
      await waitForConnected(rig, "hub-", assigned, 180_000);
      const span = await emulatorRegistrationSpan(emulator, "hub-");
      const registrationsPerMinute = ((span.count - 1) / span.seconds) * 60;
      const times = await checkTimes(rig, "hub-");
      const checkSeconds = (times.last.getTime() - times.first.getTime()) / 1000;
      const checksPerMinute = ((Number(times.n) - 1) / checkSeconds) * 60;
      const lagSeconds = (times.last.getTime() - times.last_assigned.getTime()) / 1000;
      const failed = await rig.sql<{ n: string }>(
        "select count(*) as n from devices where status = 'failed' or hub_status in ('refused', 'unreachable')",
      );
      results.push({
        scenario: "hub checks vs. 10,000 registrations/min",
        setup: `${devices.toLocaleString("en")} devices, DPS emulator quota ${QUOTA.toLocaleString("en")}/min, Retry-After ${RETRY_AFTER_SECONDS} s, 2 hubs (1:3) in the local IoT Hub (emulator process); web server with its worker + 2 worker processes; HIC_IOT_HUB_CHECKS_PER_SECOND=${CHECKS_PER_SECOND} per hub; each check = TLS connect as the device, twin GET, reported PATCH, disconnect; load average ${loadBefore} before, ${loadAverage()} after`,
        metrics: {
          "registrations/min (emulator)": Math.round(registrationsPerMinute),
          "hub checks/min (connected)": Math.round(checksPerMinute),
          "checks / registrations": round(checksPerMinute / registrationsPerMinute, 3),
          "last connected after last assigned s": round(lagSeconds, 2),
          "assigned → connected p50 s": round(times.p50, 3),
          "assigned → connected p95 s": round(times.p95, 3),
          "assigned → connected max s": round(times.max, 2),
          "devices assigned in time": assigned,
          "devices not connected": Number(failed[0]!.n),
        },
        target:
          "checks keep pace: ≥ 0.95 × registrations/min and the last device connected ≤ 10 s after the last assignment",
        met: checksPerMinute / registrationsPerMinute >= 0.95 && lagSeconds <= 10,
      });

      // (2) Checks alone: every device is due again (as after a re-provisioning), nothing else runs.
      context.log("hub check: checks alone (CPU, memory)…");
      const cpuBefore = {
        ...app.cpuSeconds(),
        emulator: treeCpuSeconds(emulator.pid),
        database: backendCpuSeconds(database),
      };
      const started = Date.now();
      // In ID order, as the hub checks' own writes lock rows, so the two cannot deadlock.
      await rig.sql(
        `update devices set hub_check_due_at = now(), hub_check_tries = 0 where id in
           (select id from devices where registration_id like 'hub-%' order by id for update)`,
      );
      let done = false;
      const peak = sampleRss(app, () => done);
      try {
        await waitForRechecked(rig, assigned, started, 300_000);
      } finally {
        done = true;
      }
      const seconds = (Date.now() - started) / 1000;
      const cpuAfter = {
        ...app.cpuSeconds(),
        emulator: treeCpuSeconds(emulator.pid),
        database: backendCpuSeconds(database),
      };
      const memory = await peak;
      const perThousand = (value: number) => round((value / assigned) * 1000, 2);
      const appCpu = cpuAfter.web - cpuBefore.web + (cpuAfter.workers - cpuBefore.workers);
      results.push({
        scenario: "hub checks alone: CPU and memory",
        setup: `every one of ${assigned.toLocaleString("en")} assigned devices due again at once; the same processes, ${CHECKS_PER_SECOND} checks/s per hub allowed, 48 in flight per process; peak RSS sampled every 200 ms`,
        metrics: {
          "checks/min": Math.round((assigned / seconds) * 60),
          "app CPU s per 1,000 checks": perThousand(appCpu),
          "  of which web server": perThousand(cpuAfter.web - cpuBefore.web),
          "  of which worker processes": perThousand(cpuAfter.workers - cpuBefore.workers),
          "PostgreSQL CPU s per 1,000": perThousand(cpuAfter.database - cpuBefore.database),
          "emulator (hub side) CPU s per 1,000": perThousand(cpuAfter.emulator - cpuBefore.emulator),
          "peak RSS web server MB": Math.round(memory.web),
          "peak RSS one worker MB": Math.round(memory.worker),
        },
        target: "reported",
        met: null,
      });

      // (3) Both hubs offline for 60 s while devices are assigned.
      context.log(`hub check: hubs offline ${OUTAGE_SECONDS} s…`);
      await seedDevices(rig, "hubout-", outageDevices);
      for (const hub of HUBS) await emulator.hubAdmin("PATCH", `hubs/${hub}`, { online: false });
      const downAt = Date.now();
      await enqueueUnassigned(app.env);
      await waitForAssigned(rig, "hubout-", outageDevices, 120_000);
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, downAt + OUTAGE_SECONDS * 1000 - Date.now())),
      );
      const during = await rig.sql<{ status: string; hub_status: string; n: string }>(
        "select status::text, hub_status::text, count(*) as n from devices where registration_id like 'hubout-%' group by 1, 2",
      );
      // Earlier devices still waiting (a first phase that fell behind) queue ahead of these: say how many.
      const [ahead] = await rig.sql<{ n: string }>(
        "select count(*) as n from devices where registration_id not like 'hubout-%' and (hub_check_due_at is not null or status <> 'assigned')",
      );
      for (const hub of HUBS) await emulator.hubAdmin("PATCH", `hubs/${hub}`, { online: true });
      const backAt = Date.now();
      await waitForConnected(rig, "hubout-", outageDevices, 60_000);
      const [after] = await rig.sql<{ first: Date; last: Date; failed: string }>(
        `select min(hub_checked_at) as first, max(hub_checked_at) as last,
           count(*) filter (where status = 'failed' or hub_status <> 'connected') as failed
         from devices where registration_id like 'hubout-%'`,
      );
      const lastAfterBack = (after!.last.getTime() - backAt) / 1000;
      const failedDuring = during.filter((row) => row.status === "failed" || row.hub_status === "refused");
      results.push({
        scenario: "hub offline 60 s",
        setup: `${outageDevices.toLocaleString("en")} devices provisioned while both hubs of the local IoT Hub are offline (CONNECT answered 3) for ${OUTAGE_SECONDS} s; same processes and settings`,
        metrics: {
          "devices failed or refused during the outage": failedDuring.reduce(
            (sum, row) => sum + Number(row.n),
            0,
          ),
          "devices not connected at the end": Number(after!.failed),
          "earlier devices still waiting or unassigned when the hubs came back": Number(ahead!.n),
          "first of these devices connected after the hubs are back s": round(
            (after!.first.getTime() - backAt) / 1000,
            2,
          ),
          "last device connected after the hubs are back s": round(lastAfterBack, 2),
        },
        target: "no device marked failed; the last connected ≤ 10 s after the hubs are back",
        met: failedDuring.length === 0 && Number(after!.failed) === 0 && lastAfterBack <= 10,
        details: { during },
      });
    } finally {
      await app.stop();
    }
  } finally {
    await stop();
  }
  return results;
}

async function waitForRechecked(rig: Rig, count: number, since: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await rig.sql<{ n: string }>(
      "select count(*) as n from devices where registration_id like 'hub-%' and hub_check_due_at is null and hub_checked_at >= to_timestamp($1 / 1000.0)",
      [since],
    );
    if (Number(row!.n) >= count) return;
    if (Date.now() > deadline) throw new Error(`only ${row!.n} of ${count} devices checked again`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
