import { env } from "@/lib/env";
import { logger } from "@/lib/logger";
import { startProvisioningWorker, type ProvisioningWorker } from "./worker";

const globalForWorker = globalThis as unknown as { hicInAppWorker?: Promise<ProvisioningWorker | null> };

/**
 * The worker inside the web server. A failure to start is logged, not thrown: the app stays usable
 * and queued work waits for a worker. On SIGTERM/SIGINT it stops fetching and gives back attempts
 * still waiting for a slot; Next.js exits right after closing its server, so calls still at DPS
 * are resumed by another worker once their lease runs out.
 */
export function startInAppWorker(): Promise<ProvisioningWorker | null> {
  globalForWorker.hicInAppWorker ??= (async () => {
    if (!env().DATABASE_URL) {
      logger.warn("DATABASE_URL is not set: the in-app provisioning worker does not start");
      return null;
    }
    try {
      const worker = await startProvisioningWorker();
      const stop = () => void worker.stop().catch(() => {});
      process.once("SIGTERM", stop);
      process.once("SIGINT", stop);
      return worker;
    } catch (error) {
      logger.error({ err: { name: (error as Error).name, message: (error as Error).message } }, "the in-app provisioning worker did not start");
      return null;
    }
  })();
  return globalForWorker.hicInAppWorker;
}
