import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import { childProcessEnv } from "@/lib/env";
import type { PostgresAccount } from "./postgres-account";
import type { PostgresRuntime } from "./runtime";

/**
 * On Linux every server process is started through `setpriv --pdeathsig INT`: should the process
 * that started it die without stopping it (kill -9, a crash), the kernel sends the postmaster
 * SIGINT, PostgreSQL's fast shutdown, instead of leaving it running with its port held.
 */
const SETPRIV =
  os.platform() === "linux"
    ? ["/usr/bin/setpriv", "/bin/setpriv"].find((file) => existsSync(file))
    : undefined;

function start(
  program: string,
  args: string[],
  account: PostgresAccount,
  options: { detached: boolean },
): ChildProcess {
  const [command, argv] = SETPRIV
    ? [SETPRIV, ["--pdeathsig", "INT", "--", program, ...args]]
    : [program, args];
  return spawn(command, argv, {
    ...(account ? { uid: account.uid, gid: account.gid } : {}),
    detached: options.detached,
    stdio: ["ignore", "pipe", "pipe"],
    env: childProcessEnv({ LC_MESSAGES: "C" }),
  });
}

/** The last lines a process wrote, for an error message. */
function keepTail(child: ChildProcess, lines: string[], max = 40): void {
  const add = (chunk: Buffer) => {
    lines.push(...chunk.toString().split("\n").filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - max));
  };
  child.stdout?.on("data", add);
  child.stderr?.on("data", add);
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Whether the child exits within `ms`; the timer is kept referenced so the caller really waits. */
async function exitsWithin(child: ChildProcess, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const result = await Promise.race([exited(child).then(() => true as const), timeout]);
  clearTimeout(timer);
  return result;
}

/** A UTF-8 locale this machine has, so the cluster's text functions know more than ASCII. */
function clusterLocale(): string {
  try {
    const available = new Set(
      execFileSync("locale", ["-a"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
        .split(/\r?\n/)
        .map((l) => l.trim()),
    );
    return ["C.UTF-8", "C.utf8", "en_US.UTF-8", "en_US.utf8"].find((l) => available.has(l)) ?? "C";
  } catch {
    return "C";
  }
}

export async function initCluster(options: {
  runtime: PostgresRuntime;
  account: PostgresAccount;
  clusterDir: string;
  passwordFile: string;
  user: string;
}): Promise<void> {
  const child = start(
    options.runtime.initdb,
    [
      `--pgdata=${options.clusterDir}`,
      "--auth=scram-sha-256",
      `--username=${options.user}`,
      `--pwfile=${options.passwordFile}`,
      "--encoding=UTF8",
      `--locale=${clusterLocale()}`,
    ],
    options.account,
    { detached: false },
  );
  const lines: string[] = [];
  keepTail(child, lines);
  const code = await new Promise<number | null>((resolve) => {
    child.once("error", (error) => {
      lines.push(error.message);
      resolve(null);
    });
    child.once("close", (status) => resolve(status));
  });
  if (code !== 0) throw new Error(`initdb failed:\n${lines.join("\n")}`);
}

export type Postmaster = {
  pid: number;
  /** Resolves when the server has exited, however it ended. */
  exited: Promise<void>;
  /** What the server wrote last. */
  logTail: () => string;
  /** Fast shutdown; after `graceMs` immediate shutdown, then SIGKILL: never waits forever. */
  stop: (graceMs?: number) => Promise<void>;
};

/** Starts the postmaster in its own process group (a Ctrl+C in the terminal reaches only the launcher, which stops things in order). */
export function startPostmaster(options: {
  runtime: PostgresRuntime;
  account: PostgresAccount;
  clusterDir: string;
  port: number;
  flags: string[];
}): Postmaster {
  const child = start(
    options.runtime.postgres,
    ["-D", options.clusterDir, "-p", String(options.port), ...options.flags],
    options.account,
    { detached: true },
  );
  const lines: string[] = [];
  keepTail(child, lines);
  child.once("error", (error) => lines.push(error.message));
  const signal = (name: NodeJS.Signals, group = false) => {
    try {
      process.kill(group ? -child.pid! : child.pid!, name);
    } catch {
      // already gone
    }
  };
  // Should this process end without stopping the server (an uncaught error, process.exit), a fast
  // shutdown is requested on the way out; where setpriv exists the kernel does it even on kill -9.
  const onExit = () => signal("SIGINT");
  process.once("exit", onExit);
  child.once("exit", () => process.removeListener("exit", onExit));
  let stopping: Promise<void> | null = null;
  return {
    pid: child.pid ?? -1,
    exited: exited(child),
    logTail: () => lines.join("\n"),
    stop: (graceMs = 10_000) => {
      stopping ??= (async () => {
        if (child.pid === undefined) return;
        signal("SIGINT");
        if (await exitsWithin(child, graceMs)) return;
        signal("SIGQUIT");
        if (await exitsWithin(child, 5_000)) return;
        signal("SIGKILL", true);
        await exitsWithin(child, 5_000);
      })();
      return stopping;
    },
  };
}
