import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/database";
import { TEST_ID_SCOPE, type TestEmulator } from "@/tests/support/dps-emulator";
import {
  enqueueProvisioning,
  shutdownProvisioning,
  startProvisioningWorker,
  type ProvisioningWorker,
} from "@/lib/provisioning";
import {
  connectDps,
  FLEET_PRIMARY_KEY,
  FLEET_SECONDARY_KEY,
  insertDevices,
  startEmulatorAndEngine,
  waitFor,
} from "@/tests/support/provisioning";
import { listenForMetrics, type MetricsServer } from "./metrics-server";
import { parseExposition, sampleValue, type Sample } from "@/tests/support/prometheus-text";

// Scrapes a real worker's endpoint the way Prometheus does, during a provisioning run and an outage.
const TOKEN = "t".repeat(32);
let emulator: TestEmulator;
let worker: ProvisioningWorker | null = null;
let server: MetricsServer;

async function scrapeText(path: "/metrics" | "/metrics/fleet"): Promise<string> {
  const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  return response.text();
}

async function scrape(path: "/metrics" | "/metrics/fleet"): Promise<Sample[]> {
  return parseExposition(await scrapeText(path));
}

beforeAll(async () => {
  emulator = await startEmulatorAndEngine(
    { retryAfterSeconds: 1 },
    { circuitFailures: 3, probeMinMs: 200, probeMaxMs: 400, maxAttempts: 3 },
  );
  server = await listenForMetrics({ host: "127.0.0.1", port: 0, token: TOKEN });
});

afterAll(async () => {
  await worker?.stop();
  await shutdownProvisioning();
  await server?.close();
  await emulator?.dispose();
});

describe("metrics during a provisioning run", () => {
  it(
    "show the queue filling and draining, registrations and DPS requests counted, and the circuit opening in an outage",
    { timeout: 90_000 },
    async () => {
      await connectDps(emulator);
      const ids = await insertDevices(40, "metrics");
      await enqueueProvisioning({ deviceIds: ids }, { trigger: "import", actor: null });

      // Queued, nobody working yet: the fleet endpoint sees the depth and the waiting devices.
      const queued = await scrape("/metrics/fleet");
      expect(
        sampleValue(queued, "hic_queue_jobs", { queue: "provision-device", state: "created" }),
      ).toBeGreaterThanOrEqual(40);
      expect(sampleValue(queued, "hic_devices", { status: "pending", hub: "none" })).toBe(40);
      expect(sampleValue(queued, "hic_dps_circuit_state", { state: "closed" })).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(
        sampleValue(await scrape("/metrics/fleet"), "hic_queue_oldest_job_age_seconds", {
          queue: "provision-device",
        }),
      ).toBeGreaterThanOrEqual(1);

      const before = await scrape("/metrics");
      const assignedBefore = sampleValue(before, "hic_registrations_total", { outcome: "assigned" }) ?? 0;
      worker = await startProvisioningWorker({ concurrency: 8 });
      const drained = await waitFor(
        () => scrape("/metrics/fleet"),
        (samples) =>
          (sampleValue(samples, "hic_queue_jobs", { queue: "provision-device", state: "created" }) ?? 0) ===
            0 &&
          samples
            .filter((s) => s.name === "hic_devices" && s.labels.status === "assigned")
            .reduce((sum, s) => sum + s.value, 0) === 40,
        30_000,
        "the queue to drain and every device to be assigned",
      );
      // The devices are counted under their hub (a bounded label), none left pending.
      expect(sampleValue(drained, "hic_devices", { status: "pending", hub: "none" })).toBe(0);

      const after = await scrape("/metrics");
      expect(
        (sampleValue(after, "hic_registrations_total", { outcome: "assigned" }) ?? 0) - assignedBefore,
      ).toBe(40);
      expect(
        sampleValue(after, "hic_dps_requests_total", { operation: "register", outcome: "2xx" }),
      ).toBeGreaterThanOrEqual(40);
      expect(
        sampleValue(after, "hic_dps_request_duration_seconds_count", {
          operation: "register",
          outcome: "2xx",
        }),
      ).toBeGreaterThanOrEqual(40);

      // An outage: the shared circuit opens, and the fleet endpoint says so, with its time open.
      emulator.admin.patchFaults({ unreachable: true });
      const more = await insertDevices(10, "metrics-outage");
      await enqueueProvisioning({ deviceIds: more }, { trigger: "import", actor: null });
      const open = await waitFor(
        () => scrape("/metrics/fleet"),
        (samples) => sampleValue(samples, "hic_dps_circuit_state", { state: "open" }) === 1,
        20_000,
        "the circuit metric to show open",
      );
      expect(sampleValue(open, "hic_dps_circuit_state", { state: "closed" })).toBe(0);
      const failures = await scrape("/metrics");
      expect(
        sampleValue(failures, "hic_dps_requests_total", { operation: "register", outcome: "network-error" }),
      ).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(
        sampleValue(await scrape("/metrics/fleet"), "hic_dps_circuit_open_seconds", {}),
      ).toBeGreaterThanOrEqual(1);

      emulator.admin.patchFaults({ unreachable: false });
      await waitFor(
        () => scrape("/metrics/fleet"),
        (samples) =>
          sampleValue(samples, "hic_dps_circuit_state", { state: "closed" }) === 1 &&
          sampleValue(samples, "hic_dps_circuit_open_seconds", {}) === 0,
        20_000,
        "the circuit metric to show closed again",
      );
      // Nothing that names a device or a credential reached a metric along the way.
      const everything = (await scrapeText("/metrics")) + (await scrapeText("/metrics/fleet"));
      for (const forbidden of [
        "metrics-0",
        "metrics-outage",
        FLEET_PRIMARY_KEY,
        FLEET_SECONDARY_KEY,
        TEST_ID_SCOPE,
      ])
        expect(everything).not.toContain(forbidden);
      await getDb().$client.query("select 1");
    },
  );
});
