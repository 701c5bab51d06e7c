import { readFileSync } from "node:fs";
import path from "node:path";
import { createDpsFetch } from "@/lib/dps/dps-fetch";

export type EmulatorConnection = { idScope: string; groupKey: string; host: string };

function dataDir(): string {
  const dir = process.env.E2E_DATA_DIR;
  if (!dir) throw new Error("E2E_DATA_DIR is not set; run the end-to-end tests through `npm test`.");
  return dir;
}

/**
 * The demo connection the launcher's local DPS emulator wrote for this run
 * (`${E2E_DATA_DIR}/dps-emulator/connection.json`).
 */
export function emulatorConnection(): EmulatorConnection {
  const file = path.join(dataDir(), "dps-emulator", "connection.json");
  try {
    return JSON.parse(readFileSync(file, "utf8")) as EmulatorConnection;
  } catch (error) {
    throw new Error(`The launcher did not write ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); is the local DPS emulator on?`);
  }
}

/** Changes the running emulator through its loopback-only admin API, trusting the emulator's CA. */
async function patchEmulator(resource: "config" | "faults", changes: Record<string, unknown>): Promise<void> {
  const fetch = createDpsFetch({ caPem: readFileSync(path.join(dataDir(), "dps-emulator", "ca.pem"), "utf8") });
  const response = await fetch(`https://${emulatorConnection().host}/_emulator/${resource}`, {
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(changes),
  });
  if (response.status !== 200) throw new Error(`The emulator refused the change: HTTP ${response.status} ${await response.text()}`);
}

/** Changes the running emulator's configuration. */
export async function patchEmulatorConfig(changes: Record<string, unknown>): Promise<void> {
  await patchEmulator("config", changes);
}

/** Switches the emulator's faults, e.g. `{ unreachable: true }` for an outage (fields left out stay as they are). */
export async function patchEmulatorFaults(changes: Record<string, unknown>): Promise<void> {
  await patchEmulator("faults", changes);
}

/** Adds (or updates) an enrollment group, to make the emulator accept a test's own key. */
export async function upsertEmulatorEnrollmentGroup(group: { enrollmentGroupId: string; primaryKey: string; secondaryKey: string }): Promise<void> {
  await patchEmulatorConfig({ enrollmentGroups: [group] });
}
