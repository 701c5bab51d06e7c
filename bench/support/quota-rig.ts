import { randomBytes } from "node:crypto";
import path from "node:path";
import type { TestServer } from "@/tests/support/test-database";
import { benchDatabase } from "./database";
import { emulatorConfig, startEmulatorProcess, type EmulatorProcess } from "./emulator-process";
import { connectRig, type Rig } from "./provisioning-rig";

export type QuotaRig = {
  emulator: EmulatorProcess;
  /** The bench database's name, for its backends' CPU. */
  database: string;
  rig: Rig;
  stop(): Promise<void>;
};

/**
 * A scenario's stage: the DPS emulator in its own process at `quota` registrations a minute (with
 * its Retry-After), a fresh migrated database `bench_<name>`, and the platform connected to the
 * emulator in it.
 */
export async function startQuotaRig(
  context: { server: TestServer; workDir: string },
  name: string,
  quota: number,
  retryAfterSeconds: number,
): Promise<QuotaRig> {
  const emulator = await startEmulatorProcess(
    emulatorConfig({
      groupKey: randomBytes(64).toString("base64"),
      registrationsPerMinute: quota,
      retryAfterSeconds,
    }),
    path.join(context.workDir, `emulator-${name}`),
  );
  try {
    const databaseUrl = await benchDatabase(context.server, `bench_${name.replaceAll("-", "_")}`);
    const rig = await connectRig(databaseUrl, emulator, quota);
    return {
      emulator,
      database: new URL(databaseUrl).pathname.slice(1),
      rig,
      stop: async () => {
        await rig.close();
        await emulator.stop();
      },
    };
  } catch (error) {
    await emulator.stop();
    throw error;
  }
}
