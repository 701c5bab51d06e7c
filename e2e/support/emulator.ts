import { readFileSync } from "node:fs";
import path from "node:path";
import { createDpsFetch } from "@/lib/dps/dps-fetch";

export type EmulatorConnection = {
  idScope: string;
  groupKey: string;
  host: string;
  /** The demo's service API policies: the owner (every right) and one that may only read. */
  serviceConnectionString: string;
  readOnlyServiceConnectionString: string;
};

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
    throw new Error(
      `The launcher did not write ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); is the local DPS emulator on?`,
    );
  }
}

/** Calls the running emulator's loopback-only admin API (`/_emulator/<route>`), trusting the emulator's CA; the status and parsed body. */
export async function emulatorAdmin<T = unknown>(
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const fetch = createDpsFetch({
    caPem: readFileSync(path.join(dataDir(), "dps-emulator", "ca.pem"), "utf8"),
  });
  const response = await fetch(`https://${emulatorConnection().host}/_emulator/${route}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

/** Changes the running emulator's configuration through its admin API. */
export async function patchEmulatorConfig(changes: Record<string, unknown>): Promise<void> {
  const { status, body } = await emulatorAdmin("PATCH", "config", changes);
  if (status !== 200)
    throw new Error(`The emulator refused the change: HTTP ${status} ${JSON.stringify(body)}`);
}

/** Registration records made outside the app (another tool, a removal elsewhere), straight into the emulator. */
export async function addEmulatorRegistrations(
  records: { registrationId: string; assignedHub?: string }[],
): Promise<void> {
  const { status, body } = await emulatorAdmin("POST", "registrations", records);
  if (status !== 201)
    throw new Error(`The emulator refused the records: HTTP ${status} ${JSON.stringify(body)}`);
}

/** The emulator's record of a registration, or null when DPS has none. */
export async function emulatorRegistration(
  registrationId: string,
): Promise<{ registrationId: string; assignedHub?: string; etag: string } | null> {
  const { status, body } = await emulatorAdmin<{
    registrationId: string;
    assignedHub?: string;
    etag: string;
  }>("GET", `registrations/${encodeURIComponent(registrationId)}`);
  return status === 200 ? body : null;
}

/** Switches the emulator's faults, e.g. `{ unreachable: true }` for an outage (fields left out stay as they are). */
export async function patchEmulatorFaults(changes: Record<string, unknown>): Promise<void> {
  const { status, body } = await emulatorAdmin("PATCH", "faults", changes);
  if (status !== 200)
    throw new Error(`The emulator refused the change: HTTP ${status} ${JSON.stringify(body)}`);
}

/** Adds (or updates) an enrollment group, to make the emulator accept a test's own key. */
export async function upsertEmulatorEnrollmentGroup(group: {
  enrollmentGroupId: string;
  primaryKey: string;
  secondaryKey: string;
}): Promise<void> {
  await patchEmulatorConfig({ enrollmentGroups: [group] });
}
