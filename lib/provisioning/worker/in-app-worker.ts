import { env } from "@/lib/env";
import { logger } from "@/lib/logger";
import { startProvisioningWorker, type ProvisioningWorker } from "./worker";

const globalForWorker = globalThis as unknown as { hicInAppWorker?: Promise<ProvisioningWorker | null> };

/**
 * Where the web server's entry point (scripts/web-server.mjs) finds the worker's graceful stop,
 * so it can let the worker hand its attempts back before the process exits. A symbol on
 * globalThis, because the server script and the app's bundles share nothing else.
 */
export const STOP_WORKER_HOOK = Symbol.for("hic.stopProvisioningWorker");

/**
 * The worker inside the web server. A failure to start is logged, not thrown: the app stays usable
 * and queued work waits for a worker. On SIGTERM/SIGINT it stops fetching, gives back attempts
 * still waiting for a slot at once, lets calls already at DPS finish for HIC_SHUTDOWN_GRACE_MS and
 * hands back the rest; the web server waits for that before it exits (inside the launcher's 8 s).
 */
export function startInAppWorker(): Promise<ProvisioningWorker | null> {
  globalForWorker.hicInAppWorker ??= (async () => {
    if (!env().DATABASE_URL) {
      logger.warn("DATABASE_URL is not set: the in-app provisioning worker does not start");
      return null;
    }
    try {
      const worker = await startProvisioningWorker();
      const stop = () => worker.stop();
      (globalThis as Record<symbol, unknown>)[STOP_WORKER_HOOK] = stop;
      process.once("SIGTERM", () => void stop().catch(() => {}));
      process.once("SIGINT", () => void stop().catch(() => {}));
      return worker;
    } catch (error) {
      logger.error(
        { err: { name: (error as Error).name, message: (error as Error).message } },
        "the in-app provisioning worker did not start",
      );
      return null;
    }
  })();
  return globalForWorker.hicInAppWorker;
}
