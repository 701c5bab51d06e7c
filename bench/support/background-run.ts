import { randomBytes } from "node:crypto";
import type pg from "pg";
import { startNextServer } from "@/ops/launcher/next-server";
import { pickPort } from "@/ops/postgres/free-port";
import { serverActionIds } from "@/e2e/adversarial/surface";
import { memoryMb } from "@/tests/support/proc";
import type { EmulatorProcess } from "./emulator-process";
import { startWorkerProcess } from "./provisioning-rig";
import { signInOverHttp } from "./sign-in";

/**
 * A run that a person starts with a button and a worker carries out (a reconciliation, a drift
 * check), measured on the user's path: the app and one worker process started on `env`, a user
 * signed in over HTTP presses the button (the server action, posted to its page), and the run is
 * followed in the database until it is done. The memory is the worker's, sampled from /proc every
 * 50 ms and its VmHWM.
 */
export type BackgroundRunRig = {
  app: Awaited<ReturnType<typeof startNextServer>>;
  worker: Awaited<ReturnType<typeof startWorkerProcess>>;
  stop(): Promise<void>;
};

/**
 * The web server (no worker of its own) and one worker process, on the same settings: the database,
 * the secret key, the DPS emulator, and `extraEnv`.
 */
export async function startAppAndWorker(options: {
  databaseUrl: string;
  secretKey: string;
  emulator: Pick<EmulatorProcess, "port" | "caFile">;
  extraEnv?: Record<string, string>;
}): Promise<BackgroundRunRig> {
  const env = {
    ...process.env,
    DATABASE_URL: options.databaseUrl,
    HIC_SECRET_KEY: options.secretKey,
    ...options.extraEnv,
    HIC_DPS_EMULATOR_HOST: `localhost:${options.emulator.port}`,
    HIC_DPS_EMULATOR_CA_FILE: options.emulator.caFile,
    LOG_LEVEL: "warn",
  };
  const app = await startNextServer({
    root: process.cwd(),
    host: "127.0.0.1",
    port: await pickPort(0),
    env: { ...env, AUTH_SECRET: randomBytes(32).toString("base64"), HIC_WORKER: "off" },
  });
  try {
    const worker = await startWorkerProcess(env);
    return {
      app,
      worker,
      stop: async () => {
        await worker.stop();
        await app.stop();
      },
    };
  } catch (error) {
    await app.stop();
    throw error;
  }
}

export type RunMeasured<Run> = {
  run: Run;
  seconds: number;
  idleRssMb: number;
  peakRssMb: number;
};

/**
 * Presses the button and waits for the run: `action` is the server action's module#export, `page`
 * the page it is posted to, `started` a phrase of its answer when the run was queued. `poll` reads
 * the newest run; it is over when its status is completed (a failed one throws).
 */
export async function measureRunOverHttp<Run extends { status: string; failure_message: string | null }>(
  client: pg.Client,
  rig: BackgroundRunRig,
  options: {
    user: { email: string; password: string };
    page: string;
    action: string;
    button: string;
    started: string;
    poll: string;
    what: string;
    timeoutMs: number;
  },
): Promise<RunMeasured<Run>> {
  const { app, worker } = rig;
  const pid = worker.child.pid!;
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const idle = memoryMb(pid);

  const cookie = await signInOverHttp(app.url, options.user.email, options.user.password);
  const action = serverActionIds().get(options.action);
  if (!action) throw new Error(`the build has no ${options.button} action; run \`next build\` first`);
  let peakSampled = idle.rss;
  const sampler = setInterval(() => (peakSampled = Math.max(peakSampled, memoryMb(pid).rss)), 50);
  try {
    const started = performance.now();
    const response = await fetch(`${app.url}${options.page}`, {
      method: "POST",
      headers: {
        Cookie: cookie,
        Origin: app.url,
        "Next-Action": action.id,
        "Content-Type": "text/plain;charset=UTF-8",
        Accept: "text/x-component",
      },
      body: JSON.stringify([{}]),
    });
    const answer = await response.text();
    if (!answer.includes(options.started))
      throw new Error(`${options.button} was refused: HTTP ${response.status} ${answer.slice(0, 300)}`);
    let run: Run | undefined;
    for (;;) {
      [run] = (await client.query<Run>(options.poll)).rows;
      if (run?.status === "completed" || run?.status === "failed") break;
      if (performance.now() - started > options.timeoutMs)
        throw new Error(`the ${options.what} did not finish within ${options.timeoutMs / 60_000} minutes`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const final = memoryMb(pid);
    if (run.status !== "completed") throw new Error(`the ${options.what} failed: ${run.failure_message}`);
    return { run, seconds, idleRssMb: idle.rss, peakRssMb: Math.max(peakSampled, final.peak) };
  } finally {
    clearInterval(sampler);
  }
}
