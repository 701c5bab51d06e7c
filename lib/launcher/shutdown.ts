type Step = () => Promise<void>;

const steps: Step[] = [];
let shuttingDown = false;

/** Cleanup run once on SIGINT/SIGTERM, last registered first (the web server stops before its database). */
export function onShutdown(step: Step): void {
  steps.push(step);
}

async function shutdown(): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  for (const step of [...steps].reverse()) {
    await step().catch((error: unknown) => console.error(`[hic] while stopping: ${(error as Error)?.message ?? error}`));
  }
  process.exit();
}

process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
