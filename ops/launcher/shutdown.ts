type Step = () => Promise<void>;

const steps: Step[] = [];
let shuttingDown = false;

/**
 * The whole shutdown's bound. Each step bounds itself (the web server gets a grace period, then
 * its process group is killed; PostgreSQL gets a fast shutdown, then an immediate one); this is
 * the backstop should one still hang. Exiting kills every child that is left (child-process.ts).
 */
export const SHUTDOWN_DEADLINE_MS = 25_000;

/** Cleanup run once on SIGINT/SIGTERM/SIGHUP or shutdown(), last registered first (the web server stops before its database). */
export function onShutdown(step: Step): void {
  steps.push(step);
}

/** A step that gives up after `ms`, for in-process work without a bound of its own. */
export function bounded(step: Step, ms: number): Step {
  return () => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    return Promise.race([step(), timeout]).finally(() => clearTimeout(timer));
  };
}

export function isShuttingDown(): boolean {
  return shuttingDown;
}

/** Runs the cleanup steps once, then exits (with process.exitCode); `reason` is what the console says. */
export async function shutdown(reason: string): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  if (steps.length === 0) process.exit(); // nothing was started: the reason already said it all
  console.log(
    `[hic] ${reason}: stopping (at most ${SHUTDOWN_DEADLINE_MS / 1000} s; press Ctrl+C again to stop at once)…`,
  );
  const deadline = setTimeout(() => {
    console.error(`[hic] Still stopping after ${SHUTDOWN_DEADLINE_MS / 1000} s: killing what is left.`);
    process.exit(1);
  }, SHUTDOWN_DEADLINE_MS);
  for (const step of [...steps].reverse()) {
    await step().catch((error: unknown) =>
      console.error(`[hic] while stopping: ${(error as Error)?.message ?? error}`),
    );
  }
  clearTimeout(deadline);
  process.exit();
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (!shuttingDown) return void shutdown(signal);
    console.log(`[hic] ${signal} again: stopping everything now.`);
    process.exit(130);
  });
}
