import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { pickPort } from "@/ops/postgres/free-port";

/** `npm start` as a user runs it (node directly), in a data directory of the benchmark's own. */
export type LauncherRun = {
  child: ChildProcess;
  url: string;
  /** When the launcher printed "Ready" (epoch ms). */
  readyAt: number;
  output: () => string;
};

export async function startLauncher(
  dataDir: string,
  env: Record<string, string> = {},
  port?: number,
): Promise<LauncherRun> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: process.cwd(),
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      DATABASE_URL: "",
      HIC_DATA_DIR: dataDir,
      PORT: String(port ?? (await pickPort(0))),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      ...env,
    },
  });
  let output = "";
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /\[hic\] Ready: (\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) =>
      reject(new Error(`The launcher exited (code ${code}) before it was ready:\n${output.slice(-3000)}`)),
    );
  });
  return { child, url, readyAt: Date.now(), output: () => output };
}

/** The embedded cluster's URL, from the files the launcher keeps in the data directory. */
export function embeddedDatabaseUrl(dataDir: string): string {
  const port = readFileSync(path.join(dataDir, "postgres.port"), "utf8").trim();
  const password = readFileSync(path.join(dataDir, "postgres.password"), "utf8").trim();
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/hic`;
}

export function secretOf(dataDir: string, name: "hic_secret_key" | "auth_secret"): string {
  return readFileSync(path.join(dataDir, `${name}.secret`), "utf8").trim();
}

/** The embedded cluster's directory (relocated clusters are recorded in postgres.location). */
export function clusterDirOf(dataDir: string): string {
  const record = path.join(dataDir, "postgres.location");
  return existsSync(record) ? readFileSync(record, "utf8").trim() : path.join(dataDir, "postgres");
}

function children(): Map<number, number[]> {
  const byParent = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[1]);
      byParent.set(ppid, [...(byParent.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  return byParent;
}

/** kill -9 of `pid` and everything below it, all at once (no one gets to clean up after the others). */
export function killTree(pid: number): number {
  const byParent = children();
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...(byParent.get(all[i]!) ?? []));
  for (const each of all) {
    try {
      process.kill(each, "SIGKILL");
    } catch {
      // already gone
    }
  }
  return all.length;
}

export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()));
}
