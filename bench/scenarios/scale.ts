import { randomBytes } from "node:crypto";
import path from "node:path";
import type { BenchResult } from "../support/result";
import { benchDatabase } from "../support/database";
import { emulatorConfig, startEmulatorProcess } from "../support/emulator-process";
import { connectRig, seedDevices, waitForAssigned } from "../support/provisioning-rig";
import { addSupportUser, enqueueUnassigned, startAppRig } from "../support/app-rig";
import { backendCpuSeconds, loadAverage, treeCpuSeconds } from "../support/process-cpu";
import { emulatorRegistrationSpan, samplePage } from "../support/measure";
import { signInOverHttp } from "../support/sign-in";
import { percentile, round } from "../support/stats";
import type { ScenarioContext } from "./provisioning";

const QUOTA = 10_000;
const RETRY_AFTER_SECONDS = 3;
const SUPPORT = { email: "support@bench.local", password: "bench-support-password" };

/**
 * Ten DPS units: 10,000 registrations per minute, DPS's real `Retry-After: 3`, the web server
 * (with its in-app worker) plus two `npm run worker` processes, concurrency `auto`. The rate is
 * measured where the quota is enforced (the emulator's first and last registration), CPU from
 * /proc for every process involved; meanwhile a support user reads the devices page over HTTP,
 * and before the run the same page is timed on the idle app.
 */
export async function tenUnits(context: ScenarioContext): Promise<BenchResult[]> {
  const devices = context.sizes?.tenUnits ?? (context.quick ? 10_000 : 50_000);
  const groupKey = randomBytes(64).toString("base64");
  const emulator = await startEmulatorProcess(
    emulatorConfig({ groupKey, registrationsPerMinute: QUOTA, retryAfterSeconds: RETRY_AFTER_SECONDS }),
    path.join(context.workDir, "emulator-ten-units"),
  );
  const databaseUrl = await benchDatabase(context.server, "bench_ten_units");
  const database = new URL(databaseUrl).pathname.slice(1);
  const rig = await connectRig(databaseUrl, emulator, QUOTA);
  try {
    await seedDevices(rig, "unit-", devices);
    await addSupportUser(rig, SUPPORT.email, SUPPORT.password);
    const app = await startAppRig(rig, emulator, { workers: 2 });
    try {
      const cookie = await signInOverHttp(app.url, SUPPORT.email, SUPPORT.password);
      const idle = await samplePage(`${app.url}/devices`, cookie, { count: 40, warmup: 8 });
      const loadBefore = loadAverage();
      const cpuBefore = {
        ...app.cpuSeconds(),
        emulator: treeCpuSeconds(emulator.pid),
        database: backendCpuSeconds(database),
      };
      const started = Date.now();
      await enqueueUnassigned(app.env);
      let running = true;
      const underLoad = samplePage(`${app.url}/devices`, cookie, { until: () => !running, pauseMs: 250 });
      try {
        await waitForAssigned(rig, "unit-", devices, (devices / QUOTA) * 60_000 * 3 + 120_000);
      } finally {
        running = false;
      }
      const wallSeconds = (Date.now() - started) / 1000;
      const pageTimes = await underLoad;
      const cpuAfter = {
        ...app.cpuSeconds(),
        emulator: treeCpuSeconds(emulator.pid),
        database: backendCpuSeconds(database),
      };
      const loadAfter = loadAverage();
      const counters = await emulator.admin<{
        throttled: number;
        byEndpoint: { register: { total: number }; operation: { total: number } };
      }>("GET", "counters");
      const span = await emulatorRegistrationSpan(emulator, "unit-");
      const achieved = ((span.count - 1) / span.seconds) * 60;
      const perThousand = (seconds: number) => round((seconds / devices) * 1000, 2);
      const appCpu = cpuAfter.web - cpuBefore.web + (cpuAfter.workers - cpuBefore.workers);
      const idleP95 = round(percentile(idle, 95));
      const loadedP95 = round(percentile(pageTimes, 95));
      return [
        {
          scenario: "10,000 registrations/min (ten DPS units)",
          setup: `${devices.toLocaleString("en")} devices, emulator quota ${QUOTA.toLocaleString("en")} registrations/min and 5 polls per 10 s per device, Retry-After ${RETRY_AFTER_SECONDS} s; web server with its worker + 2 worker processes, concurrency auto; load average ${loadBefore} before, ${loadAfter} after`,
          metrics: {
            "achieved registrations/min": Math.round(achieved),
            "achieved / quota": round(achieved / QUOTA, 3),
            "429 responses (quota)": counters.throttled,
            "register requests": counters.byEndpoint.register.total,
            "operation polls": counters.byEndpoint.operation.total,
            "wall time s": round(wallSeconds),
            "app CPU s per 1,000 devices": perThousand(appCpu),
            "  of which web server": perThousand(cpuAfter.web - cpuBefore.web),
            "  of which worker processes": perThousand(cpuAfter.workers - cpuBefore.workers),
            "PostgreSQL backends CPU s per 1,000": perThousand(cpuAfter.database - cpuBefore.database),
            "emulator CPU s per 1,000": perThousand(cpuAfter.emulator - cpuBefore.emulator),
            "emulator CPU share of one core": round(
              (cpuAfter.emulator - cpuBefore.emulator) / wallSeconds,
              2,
            ),
          },
          target: "achieved / quota >= 0.95 and zero 429s from the quota",
          met: achieved / QUOTA >= 0.95 && counters.throttled === 0,
        },
        {
          scenario: "devices page while 10,000/min run",
          setup: `/devices (first page, ${devices.toLocaleString("en")} devices) as a signed-in support user over HTTP: 40 samples on the idle app, then one request every 250 ms during the run above (${pageTimes.length} samples) (ms)`,
          metrics: {
            "idle p50": round(percentile(idle, 50)),
            "idle p95": idleP95,
            "under load p50": round(percentile(pageTimes, 50)),
            "under load p95": loadedP95,
          },
          target: "p95 under load <= 300 ms",
          met: loadedP95 <= 300,
        },
      ];
    } finally {
      await app.stop();
    }
  } finally {
    await rig.close();
    await emulator.stop();
  }
}
