import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getDb } from "@/lib/database";
import type { TestEmulator } from "@/tests/support/dps-emulator";
import {
  enqueueProvisioning,
  provisionDeviceNow,
  shutdownProvisioning,
  startProvisioningWorker,
  type ProvisioningWorker,
} from "./index";
import {
  connectDps,
  FLEET_PRIMARY_KEY,
  insertDevices,
  startEmulatorAndEngine,
  waitFor,
} from "../../tests/support/provisioning";

let emulator: TestEmulator;
let worker: ProvisioningWorker;
const WRONG_KEY = Buffer.alloc(64, 9).toString("base64");

beforeAll(async () => {
  emulator = await startEmulatorAndEngine({}, { maxAttempts: 6 });
  worker = await startProvisioningWorker({ concurrency: 32 });
});

afterAll(async () => {
  await worker?.stop();
  await shutdownProvisioning();
  await emulator?.dispose();
});

beforeEach(() => {
  emulator.admin.reset();
  emulator.admin.setFaults({});
});

const sql = async <T extends Record<string, unknown>>(text: string, values: unknown[] = []) =>
  (await getDb().$client.query<T>(text, values)).rows;

describe("failures on the way to DPS", () => {
  it(
    "retries 5xx answers, connection resets and malformed bodies until every device is assigned",
    { timeout: 60_000 },
    async () => {
      await connectDps(emulator);
      emulator.admin.setFaults({ serverErrorRate: 0.3, resetRate: 0.15, malformedRate: 0.05 });
      const ids = await insertDevices(40, "flaky");
      const { runId } = await enqueueProvisioning({ deviceIds: ids }, { trigger: "import", actor: null });

      await waitFor(
        () =>
          sql<{ status: string; n: string }>(
            "select status, count(*) as n from devices where registration_id like 'flaky-%' group by status",
          ),
        (rows) => rows.length === 1 && rows[0]!.status === "assigned",
        50_000,
        "every flaky device assigned",
      );
      const counters = emulator.admin.counters();
      const serverErrors = Object.entries(counters.byEndpoint.register.byStatus)
        .concat(Object.entries(counters.byEndpoint.operation.byStatus))
        .filter(([status]) => status.startsWith("5"))
        .reduce((sum, [, n]) => sum + n, 0);
      expect(serverErrors).toBeGreaterThan(0);
      expect(counters.resets).toBeGreaterThan(0);
      const perDevice = await sql<{ device_id: string; assigned: string }>(
        "select device_id, count(*) filter (where outcome = 'assigned') as assigned from provisioning_history where run_id = $1 group by device_id",
        [runId],
      );
      expect(perDevice).toHaveLength(40);
      expect(perDevice.every((row) => row.assigned === "1")).toBe(true);
    },
  );

  it("falls back to the secondary key when DPS refuses the primary", async () => {
    await connectDps(emulator, { primaryKey: WRONG_KEY, secondaryKey: FLEET_PRIMARY_KEY });
    const [id] = await insertDevices(1, "rotated");
    const outcome = await provisionDeviceNow(id!, { trigger: "add", actor: null });
    expect(outcome).toMatchObject({ kind: "assigned", status: "assigned" });
    const history = await sql<{ key_used: string }>(
      "select key_used from provisioning_history where device_id = $1",
      [id],
    );
    expect(history).toEqual([{ key_used: "secondary" }]);
  });
});
