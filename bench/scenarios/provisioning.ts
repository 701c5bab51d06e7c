import { spawn } from "node:child_process";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { TestServer } from "@/tests/support/test-database";
import type { BenchResult } from "../support/result";
import { benchDatabase } from "../support/database";
import { emulatorConfig, startEmulatorProcess, type EmulatorProcess } from "../support/emulator-process";
import {
  connectRig,
  seedDevices,
  startWorkerProcess,
  waitForAssigned,
  workerEnv,
  type Rig,
} from "../support/provisioning-rig";
import { percentile, round } from "../support/stats";

export type ScenarioContext = {
  server: TestServer;
  quick: boolean;
  workDir: string;
  log: (line: string) => void;
  /** Fleet sizes given on the command line (`--soak-devices`, `--ten-units-devices`), instead of the scenario's own. */
  sizes?: { soak?: number; tenUnits?: number };
};

async function runChild(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  const [code] = (await once(child, "exit")) as [number];
  if (code !== 0) throw new Error(`${script} ${args.join(" ")} exited with ${code}`);
  return out.trim().split("\n").at(-1)!;
}

async function withEmulator<T>(
  context: ScenarioContext,
  config: ReturnType<typeof emulatorConfig>,
  name: string,
  fn: (emulator: EmulatorProcess) => Promise<T>,
): Promise<T> {
  const emulator = await startEmulatorProcess(config, path.join(context.workDir, `emulator-${name}`));
  try {
    return await fn(emulator);
  } finally {
    await emulator.stop();
  }
}

/**
 * Our engine end to end: devices seeded, queued as connecting DPS queues them, workers until all
 * are assigned. Timed in the database, from the run's creation to the last result written, so the
 * start-up of the helper process that enqueues is not counted against us.
 */
async function runEngine(
  rig: Rig,
  emulator: EmulatorProcess,
  options: { prefix: string; count: number; workers: number; concurrency: number; timeoutMs: number },
) {
  await seedDevices(rig, options.prefix, options.count);
  const env = workerEnv(rig, emulator, options.concurrency);
  const workers = await Promise.all(Array.from({ length: options.workers }, () => startWorkerProcess(env)));
  try {
    const { runId } = JSON.parse(
      await runChild("bench/support/engine-child.ts", ["enqueue"], {
        ...env,
        HIC_DPS_CA_FILE: emulator.caFile,
      }),
    ) as { runId: number };
    await waitForAssigned(rig, options.prefix, options.count, options.timeoutMs);
    const [span] = await rig.sql<{ seconds: number }>(
      `select extract(epoch from (select max(h.finished_at) from provisioning_history h join devices d on d.id = h.device_id where d.registration_id like $2)
                           - (select created_at from provisioning_runs where id = $1))::float8 as seconds`,
      [runId, `${options.prefix}%`],
    );
    return span!.seconds;
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

async function quotaAdherence(context: ScenarioContext): Promise<BenchResult[]> {
  const quota = context.quick ? 600 : 3000;
  const devices = context.quick ? 600 : 6000;
  const retryAfter = 1;
  const groupKey = randomBytes(64).toString("base64");
  return withEmulator(
    context,
    emulatorConfig({ groupKey, registrationsPerMinute: quota, retryAfterSeconds: retryAfter }),
    "quota",
    async (emulator) => {
      const rig = await connectRig(await benchDatabase(context.server, "bench_quota"), emulator, quota);
      try {
        const seconds = await runEngine(rig, emulator, {
          prefix: "quota-",
          count: devices,
          workers: 2,
          concurrency: 32,
          timeoutMs: (devices / quota) * 60_000 * 3 + 60_000,
        });
        const counters = await emulator.admin<{
          throttled: number;
          byEndpoint: { register: { total: number } };
        }>("GET", "counters");
        // Measured where the quota is enforced: the emulator's first and last registration.
        const records = await emulatorRegistrationTimes(emulator);
        const spanSeconds = (records.at(-1)! - records[0]!) / 1000;
        const achieved = ((devices - 1) / spanSeconds) * 60;
        return [
          {
            scenario: "quota adherence",
            setup: `emulator quota ${quota.toLocaleString("en")} registrations/min, ${devices.toLocaleString("en")} devices, 2 worker processes × concurrency 32, Retry-After ${retryAfter} s`,
            metrics: {
              "achieved registrations/min": Math.round(achieved),
              "achieved / quota": round(achieved / quota, 3),
              "429 responses": counters.throttled,
              "register requests": counters.byEndpoint.register.total,
              "wall time s": round(seconds),
            },
            target: "achieved / quota >= 0.95 and zero 429s",
            met: achieved / quota >= 0.95 && counters.throttled === 0,
          },
        ];
      } finally {
        await rig.close();
      }
    },
  );
}

/** Registration times as the emulator recorded them, sorted (ms since epoch). */
async function emulatorRegistrationTimes(emulator: EmulatorProcess): Promise<number[]> {
  const times: number[] = [];
  let token: string | null = null;
  do {
    const page: { items: { createdDateTimeUtc: string }[]; continuationToken: string | null } =
      await emulator.admin(
        "GET",
        `registrations?top=1000${token ? `&continuationToken=${encodeURIComponent(token)}` : ""}`,
      );
    for (const item of page.items) times.push(Date.parse(item.createdDateTimeUtc));
    token = page.continuationToken;
  } while (token);
  return times.sort((a, b) => a - b);
}

async function throughput(context: ScenarioContext): Promise<BenchResult[]> {
  const devices = context.quick ? 1000 : 10_000;
  const concurrency = 64;
  const rounds = context.quick ? 1 : 2;
  const groupKey = randomBytes(64).toString("base64");
  return withEmulator(
    context,
    emulatorConfig({ groupKey, registrationsPerMinute: 0, retryAfterSeconds: 1 }),
    "throughput",
    async (emulator) => {
      const rig = await connectRig(
        await benchDatabase(context.server, "bench_throughput"),
        emulator,
        1_000_000,
      );
      const ours: number[] = [];
      const sdk: number[] = [];
      try {
        for (let round_ = 1; round_ <= rounds; round_++) {
          const seconds = await runEngine(rig, emulator, {
            prefix: `ours${round_}-`,
            count: devices,
            workers: 1,
            concurrency,
            timeoutMs: 15 * 60_000,
          });
          ours.push(devices / seconds);
          context.log(`throughput round ${round_}: ours ${round(devices / seconds)} devices/s`);
          const result = JSON.parse(
            await runChild(
              "bench/support/sdk-driver.ts",
              [
                JSON.stringify({
                  port: emulator.port,
                  caFile: emulator.caFile,
                  idScope: emulator.idScope,
                  groupKey,
                  prefix: `sdk${round_}-`,
                  count: devices,
                  concurrency,
                }),
              ],
              process.env,
            ),
          ) as { seconds: number; assigned: number; failed: number };
          if (result.assigned !== devices)
            throw new Error(
              `the SDK script assigned ${result.assigned} of ${devices} (${result.failed} failed)`,
            );
          sdk.push(devices / result.seconds);
          context.log(`throughput round ${round_}: SDK ${round(devices / result.seconds)} devices/s`);
        }
      } finally {
        await rig.close();
      }
      const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
      return [
        {
          scenario: "throughput vs. the official SDK",
          setup: `${devices.toLocaleString("en")} devices per run, no quota, Retry-After 1 s, concurrency ${concurrency} each, ${rounds} alternating round(s); ours = enqueue → all assigned in the database (one worker process, history written)`,
          metrics: {
            "ours devices/s": round(mean(ours)),
            "SDK script devices/s": round(mean(sdk)),
            "ours / SDK": round(mean(ours) / mean(sdk), 2),
          },
          target: "ours / SDK >= 1",
          met: mean(ours) >= mean(sdk),
        },
      ];
    },
  );
}

async function timeToHub(context: ScenarioContext): Promise<BenchResult[]> {
  const count = 50;
  const retryAfter = 1;
  const groupKey = randomBytes(64).toString("base64");
  return withEmulator(
    context,
    emulatorConfig({ groupKey, registrationsPerMinute: 0, retryAfterSeconds: retryAfter }),
    "time-to-hub",
    async (emulator) => {
      const rig = await connectRig(await benchDatabase(context.server, "bench_tth"), emulator, 1000);
      try {
        const env = { ...workerEnv(rig, emulator, 4), HIC_DPS_CA_FILE: emulator.caFile };
        const { timings } = JSON.parse(
          await runChild("bench/support/engine-child.ts", ["time-to-hub", String(count), "tth-"], env),
        ) as { timings: number[] };
        const p50 = percentile(timings, 50) / 1000;
        const p95 = percentile(timings, 95) / 1000;
        return [
          {
            scenario: "time to hub",
            setup: `${count} devices added one after another (insert + inline provisioning, as the Add device action), emulator Retry-After ${retryAfter} s, assignment delay 0 ms`,
            metrics: {
              "p50 s": round(p50, 2),
              "p95 s": round(p95, 2),
              "Retry-After + 0.5 s": retryAfter + 0.5,
            },
            target: "p95 <= Retry-After + assignment delay + 0.5 s",
            met: p95 <= retryAfter + 0.5,
          },
        ];
      } finally {
        await rig.close();
      }
    },
  );
}

/** Provisioning scenarios (quota adherence, throughput against the SDK, time to hub) by name. */
export const SCENARIO_RUNNERS: Record<string, (context: ScenarioContext) => Promise<BenchResult[]>> = {
  quota: quotaAdherence,
  throughput,
  "time-to-hub": timeToHub,
};
