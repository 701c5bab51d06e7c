import { randomBytes } from "node:crypto";
import path from "node:path";
import type { BenchResult } from "../support/result";
import { benchDatabase } from "../support/database";
import { emulatorConfig, startEmulatorProcess, type EmulatorProcess } from "../support/emulator-process";
import { connectRig, seedDevices, type Rig } from "../support/provisioning-rig";
import { enqueueUnassigned, startAppRig, type AppRig } from "../support/app-rig";
import { loadAverage } from "../support/process-cpu";
import { round } from "../support/stats";
import type { ScenarioContext } from "./provisioning";

const QUOTA = 10_000;
const RETRY_AFTER_SECONDS = 3;
/** 10 % of device requests fail: 5xx, dropped connections, bodies cut short, 429s no quota caused. */
const FAULTS = { serverErrorRate: 0.04, resetRate: 0.03, malformedRate: 0.02, throttleRate: 0.01 };

type RunOutcome = {
  seconds: number;
  assigned: number;
  failed: number;
  /** Devices with more than one successful result in the run. */
  duplicates: number;
  notFinished: number;
  counters: {
    throttled: number;
    injectedThrottles: number;
    resets: number;
    outageDrops: number;
    total: number;
  };
  events: string[];
};

async function progress(rig: Rig, runId: number): Promise<{ final: number; failed: number }> {
  const [row] = await rig.sql<{ final: string; failed: string }>(
    `select count(*) filter (where outcome in ('assigned', 'failed', 'disabled')) as final, count(*) filter (where outcome in ('failed', 'disabled')) as failed
     from provisioning_history where run_id = $1`,
    [runId],
  );
  return { final: Number(row!.final), failed: Number(row!.failed) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One run of `devices` through the web server and two worker processes. With `chaos`: 10 % faults
 * throughout, a 2 s burst of 429s every `burstEveryMs`, DPS unreachable for `outageMs` once a
 * third of the run is done, and one worker killed with SIGKILL (and started again) at two thirds.
 */
async function soakRun(
  context: ScenarioContext,
  name: string,
  devices: number,
  chaos: { outageMs: number; burstEveryMs: number } | null,
): Promise<RunOutcome> {
  const groupKey = randomBytes(64).toString("base64");
  const emulator: EmulatorProcess = await startEmulatorProcess(
    emulatorConfig({ groupKey, registrationsPerMinute: QUOTA, retryAfterSeconds: RETRY_AFTER_SECONDS }),
    path.join(context.workDir, `emulator-${name}`),
  );
  const rig = await connectRig(await benchDatabase(context.server, `bench_${name}`), emulator, QUOTA);
  let app: AppRig | null = null;
  const events: string[] = [];
  try {
    await seedDevices(rig, "soak-", devices);
    app = await startAppRig(rig, emulator, { workers: 2 });
    if (chaos) await emulator.admin("PATCH", "faults", FAULTS);
    const started = Date.now();
    const at = () => `${round((Date.now() - started) / 1000)} s`;
    const runId = await enqueueUnassigned(app.env);
    let outageDone = !chaos;
    let killDone = !chaos;
    let nextBurst = started + (chaos?.burstEveryMs ?? Infinity);
    const deadline = started + (devices / QUOTA) * 60_000 * 3 + 10 * 60_000;
    for (;;) {
      const { final } = await progress(rig, runId);
      if (final >= devices) break;
      if (Date.now() > deadline)
        throw new Error(`soak ${name}: only ${final} of ${devices} devices finished`);
      if (chaos && !outageDone && final >= devices / 3) {
        outageDone = true;
        events.push(`${at()}: DPS unreachable for ${chaos.outageMs / 1000} s (${final} done)`);
        await emulator.admin("PATCH", "faults", { unreachable: true });
        await sleep(chaos.outageMs);
        await emulator.admin("PATCH", "faults", { unreachable: false });
        events.push(`${at()}: DPS back`);
        nextBurst = Date.now() + chaos.burstEveryMs;
        continue;
      }
      if (chaos && !killDone && final >= (2 * devices) / 3) {
        killDone = true;
        app.killWorker(0);
        events.push(`${at()}: kill -9 of a worker process (${final} done)`);
        await sleep(3_000);
        await app.restartWorker(0);
        events.push(`${at()}: the worker process started again`);
        continue;
      }
      if (chaos && Date.now() >= nextBurst) {
        await emulator.admin("PATCH", "faults", { throttleRate: 1 });
        await sleep(2_000);
        await emulator.admin("PATCH", "faults", { throttleRate: FAULTS.throttleRate });
        nextBurst = Date.now() + chaos.burstEveryMs;
        continue;
      }
      await sleep(500);
    }
    const seconds = (Date.now() - started) / 1000;
    const { failed } = await progress(rig, runId);
    const [dup] = await rig.sql<{ n: string }>(
      `select count(*) as n from (select device_id from provisioning_history where run_id = $1 and outcome = 'assigned' group by device_id having count(*) > 1) d`,
      [runId],
    );
    const [states] = await rig.sql<{ assigned: string; unfinished: string }>(
      `select count(*) filter (where status = 'assigned') as assigned, count(*) filter (where status in ('pending', 'assigning')) as unfinished from devices where registration_id like 'soak-%'`,
    );
    const counters = await emulator.admin<RunOutcome["counters"]>("GET", "counters");
    return {
      seconds,
      assigned: Number(states!.assigned),
      failed,
      duplicates: Number(dup!.n),
      notFinished: Number(states!.unfinished),
      counters,
      events,
    };
  } finally {
    await app?.stop();
    await rig.close();
    await emulator.stop();
  }
}

/**
 * (a) The soak: the same fleet twice through the same setup, once clean and once with 10 % faults,
 * 429 bursts, an outage and a worker killed; assigned, duplicates, failed and time side by side.
 */
export async function soak(context: ScenarioContext): Promise<BenchResult[]> {
  const devices = context.sizes?.soak ?? (context.quick ? 5_000 : 100_000);
  const chaos = context.quick
    ? { outageMs: 20_000, burstEveryMs: 15_000 }
    : { outageMs: 60_000, burstEveryMs: 60_000 };
  const loadBefore = loadAverage();
  context.log(`soak: clean run of ${devices.toLocaleString("en")} devices`);
  const clean = await soakRun(context, "soak_clean", devices, null);
  context.log(`soak: run with faults (${clean.seconds.toFixed(0)} s clean)`);
  const faulty = await soakRun(context, "soak_faults", devices, chaos);
  const loadAfter = loadAverage();
  const row = (run: RunOutcome) =>
    `${run.assigned.toLocaleString("en")} assigned, ${run.duplicates} duplicates, ${run.failed} failed, ${run.notFinished} unfinished, ${round(run.seconds)} s`;
  return [
    {
      scenario: "soak with faults, an outage and a killed worker",
      setup: `${devices.toLocaleString("en")} devices, ten DPS units (10,000/min), Retry-After ${RETRY_AFTER_SECONDS} s, web server + 2 workers; faults: ${Object.entries(
        FAULTS,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(
          ", ",
        )} (10 % of requests), 429 bursts of 2 s every ${chaos.burstEveryMs / 1000} s, DPS unreachable ${chaos.outageMs / 1000} s at a third, kill -9 of a worker at two thirds; load average ${loadBefore} before, ${loadAfter} after`,
      metrics: {
        "clean run": row(clean),
        "with faults": row(faulty),
        "time with faults / clean": round(faulty.seconds / clean.seconds, 2),
        "time lost beyond the outage s": round(faulty.seconds - clean.seconds - chaos.outageMs / 1000),
        "429s from the quota (faults run)": faulty.counters.throttled,
        "injected 429s": faulty.counters.injectedThrottles,
        "dropped connections (resets + outage)": faulty.counters.resets + faulty.counters.outageDrops,
        events: faulty.events.join("; "),
      },
      target: "every device assigned, 0 duplicates, 0 failed, 0 quota 429s",
      ...(devices < 100_000
        ? {
            notes: `${devices.toLocaleString("en")} devices, not the full 100,000 (\`--soak-devices\`; a full run is the default without --quick)`,
          }
        : {}),
      met:
        faulty.assigned === devices &&
        faulty.duplicates === 0 &&
        faulty.failed === 0 &&
        faulty.notFinished === 0 &&
        faulty.counters.throttled === 0 &&
        clean.assigned === devices,
    },
  ];
}
