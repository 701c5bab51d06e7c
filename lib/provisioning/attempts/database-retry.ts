import { isDatabaseUnreachable } from "@/db/connection-errors";
import { realSleep } from "@/lib/dps";

/**
 * Runs `work`, and while the database is away (restarting, unreachable) runs it again with a
 * growing pause, until `deadline` (epoch ms). What an attempt learnt from DPS is kept this way
 * through a database restart instead of being dropped and asked again; past the attempt's lease
 * another worker may hold the device, so the last error is thrown then. Any other error is thrown at once.
 */
export async function whileDatabaseIsAway<T>(
  work: () => Promise<T>,
  deadline: number,
  signal?: AbortSignal,
): Promise<T> {
  for (let pause = 250; ; pause = Math.min(2_000, pause * 2)) {
    try {
      return await work();
    } catch (error) {
      if (!isDatabaseUnreachable(error) || Date.now() + pause >= deadline || signal?.aborted) throw error;
    }
    await realSleep(pause, signal);
  }
}
