import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { startNextServer, type RunningApp } from "@/ops/launcher/next-server";
import { pickPort } from "@/ops/postgres/free-port";
import { hashPassword } from "@/lib/auth/password";
import type { EmulatorProcess } from "./emulator-process";
import { startWorkerProcess, workerEnv, type Rig, type WorkerProcess } from "./provisioning-rig";
import { treeCpuSeconds } from "./process-cpu";

/**
 * What `npm start` runs for the app, minus the launcher's own steps: the web server (with its
 * in-app provisioning worker) on the rig's database, plus `npm run worker` processes, all
 * trusting the emulator's CA. Each process is a real child process, measured from /proc.
 */
export type AppRig = {
  url: string;
  web: RunningApp;
  workers: (WorkerProcess | null)[];
  env: NodeJS.ProcessEnv;
  /** CPU seconds used so far by the web server and by the worker processes (killed ones up to their death). */
  cpuSeconds(): { web: number; workers: number };
  killWorker(index: number): void;
  restartWorker(index: number): Promise<void>;
  stop(): Promise<void>;
};

export async function startAppRig(
  rig: Rig,
  emulator: EmulatorProcess,
  options: { workers: number; extraEnv?: Record<string, string> },
): Promise<AppRig> {
  const env: NodeJS.ProcessEnv = {
    ...workerEnv(rig, emulator, 0),
    HIC_WORKER_CONCURRENCY: "auto",
    ...options.extraEnv,
  };
  const web = await startNextServer({
    root: process.cwd(),
    host: "127.0.0.1",
    port: await pickPort(0),
    env: { ...env, AUTH_SECRET: randomBytes(32).toString("base64"), HIC_WORKER: "on" },
  });
  const workers: (WorkerProcess | null)[] = await Promise.all(
    Array.from({ length: options.workers }, () => startWorkerProcess(env)),
  );
  const deadWorkerCpu: number[] = [];
  const cpuOf = (worker: WorkerProcess | null) =>
    worker && worker.child.exitCode === null && worker.child.signalCode === null
      ? treeCpuSeconds(worker.child.pid!)
      : 0;
  return {
    url: web.url,
    web,
    workers,
    env,
    cpuSeconds: () => ({
      web: treeCpuSeconds(web.child.pid!),
      workers:
        workers.reduce((sum, worker) => sum + cpuOf(worker), 0) + deadWorkerCpu.reduce((a, b) => a + b, 0),
    }),
    killWorker(index) {
      const worker = workers[index];
      if (!worker) return;
      deadWorkerCpu.push(cpuOf(worker));
      worker.child.kill("SIGKILL");
      workers[index] = null;
    },
    async restartWorker(index) {
      workers[index] = await startWorkerProcess(env);
    },
    async stop() {
      await Promise.all(workers.map((worker) => worker?.stop()));
      await web.stop();
    },
  };
}

/** A support user for page timings, signed in over HTTP by the caller. */
export async function addSupportUser(rig: Pick<Rig, "sql">, email: string, password: string): Promise<void> {
  await rig.sql(
    "insert into users (email, password_hash, role) values ($1, $2, 'support') on conflict do nothing",
    [email, await hashPassword(password)],
  );
}

/** Queues every device without a hub, as saving the DPS connection does, from a process of its own; returns the run id. */
export async function enqueueUnassigned(env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/support/engine-child.ts", "enqueue"], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const [code] = (await once(child, "exit")) as [number];
  if (code !== 0) throw new Error(`enqueue exited with ${code}`);
  return (JSON.parse(out.trim().split("\n").at(-1)!) as { runId: number }).runId;
}
