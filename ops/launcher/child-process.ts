import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import path from "node:path";

/** Preloaded into every child the launcher starts: the child exits once the launcher is gone, however it ended. */
export const EXIT_WITH_PARENT = path.join(import.meta.dirname, "exit-with-parent.cjs");

const running = new Set<ChildProcess>();

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // the group is gone
  }
}

const isRunning = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

// Last resort, whatever ends the launcher (an uncaught error, process.exit anywhere): no child of
// ours outlives it. Synchronous, so it runs even in the `exit` event.
process.on("exit", () => {
  for (const child of running) if (isRunning(child)) signalGroup(child, "SIGKILL");
});

/** Whether the child exits within `ms`; the timer is referenced so the launcher really waits. */
export async function exitsWithin(child: ChildProcess, ms: number): Promise<boolean> {
  if (!isRunning(child)) return true;
  let timer: NodeJS.Timeout | undefined;
  const exited = new Promise<true>((resolve) => child.once("exit", () => resolve(true)));
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const result = await Promise.race([exited, timeout]);
  clearTimeout(timer);
  return result;
}

export type SupervisedChild = {
  child: ChildProcess;
  /** SIGTERM to the child's process group; after `graceMs` SIGKILL to the whole group. */
  stop: (graceMs: number) => Promise<void>;
};

/**
 * A Node.js child in its own process group (so stopping it reaches everything it started, and a
 * Ctrl+C in the terminal reaches only the launcher, which stops things in order), preloaded with
 * exit-with-parent.cjs (so it exits if the launcher dies without stopping it, even on kill -9).
 */
export function startNodeChild(args: string[], options: Omit<SpawnOptions, "detached">): SupervisedChild {
  const child = spawn(process.execPath, ["--require", EXIT_WITH_PARENT, ...args], {
    ...options,
    detached: true,
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  let stopping: Promise<void> | null = null;
  return {
    child,
    stop: (graceMs) => {
      stopping ??= (async () => {
        if (!isRunning(child)) return;
        signalGroup(child, "SIGTERM");
        if (await exitsWithin(child, graceMs)) return;
        signalGroup(child, "SIGKILL");
        await exitsWithin(child, 5_000);
      })();
      return stopping;
    },
  };
}
