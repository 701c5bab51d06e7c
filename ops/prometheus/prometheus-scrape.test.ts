import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pickPort } from "@/ops/postgres/free-port";
import { enqueueProvisioning, shutdownProvisioning } from "@/lib/provisioning";
import { writeProvisioningPaused } from "@/lib/provisioning/control";
import type { TestEmulator } from "@/tests/support/dps-emulator";
import {
  connectDps,
  countByStatus,
  exited,
  insertDevices,
  spawnWorker,
  startEmulatorAndEngine,
  waitFor,
} from "@/tests/support/provisioning";

/**
 * Debian's Prometheus scraping two worker processes (`npm run worker`, each with its own metrics
 * address) and the fleet path, as ops/prometheus and README "Operating" configure it, during a
 * provisioning run and a DPS outage. .ci/run installs it and sets HIC_REQUIRE_PROMTOOL, so in CI a
 * missing Prometheus fails instead of skipping.
 */
const installed = spawnSync("prometheus", ["--version"]).status === 0;
const required = process.env.HIC_REQUIRE_PROMTOOL === "1";
const TOKEN = "prometheus-scrape-token-0123456789";

let emulator: TestEmulator;
let prometheus: ChildProcess | null = null;
let prometheusUrl = "";
const workers: ChildProcess[] = [];
let dir = "";

type Series = { metric: Record<string, string>; value: [number, string] };

async function query(expr: string): Promise<Series[]> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await response.json()) as { status: string; data: { result: Series[] } };
  expect(body.status).toBe("success");
  return body.data.result;
}

const scalar = async (expr: string) => {
  const result = await query(expr);
  return result.length === 0 ? null : Number(result[0]!.value[1]);
};

beforeAll(async () => {
  if (!installed) return;
  emulator = await startEmulatorAndEngine(
    { retryAfterSeconds: 1 },
    { circuitFailures: 3, probeMinMs: 200, probeMaxMs: 400 },
  );
  dir = mkdtempSync(path.join(tmpdir(), "hic-prometheus-"));
  const ports = [await pickPort(0), await pickPort(0)];
  for (const port of ports)
    workers.push(
      spawnWorker(emulator, {
        HIC_METRICS_ADDRESS: `127.0.0.1:${port}`,
        HIC_METRICS_TOKEN: TOKEN,
        HIC_DPS_CIRCUIT_FAILURES: "3",
        HIC_DPS_PROBE_MIN_MS: "200",
        HIC_DPS_PROBE_MAX_MS: "400",
        HIC_RETRY_BASE_MS: "100",
        HIC_RETRY_MAX_MS: "1000",
      }),
    );
  writeFileSync(path.join(dir, "token"), TOKEN);
  const targets = ports.map((port) => `"127.0.0.1:${port}"`).join(", ");
  writeFileSync(
    path.join(dir, "prometheus.yml"),
    [
      "global: { scrape_interval: 1s, evaluation_interval: 1s }",
      "scrape_configs:",
      "  - job_name: hic",
      `    authorization: { credentials_file: ${path.join(dir, "token")} }`,
      `    static_configs: [{ targets: [${targets}] }]`,
      "  - job_name: hic-fleet",
      "    metrics_path: /metrics/fleet",
      `    authorization: { credentials_file: ${path.join(dir, "token")} }`,
      `    static_configs: [{ targets: ["127.0.0.1:${ports[0]}"] }]`,
      "",
    ].join("\n"),
  );
  const port = await pickPort(0);
  prometheusUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    "prometheus",
    [
      `--config.file=${path.join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${path.join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: "ignore", detached: true },
  );
  await waitFor(
    () =>
      fetch(`${prometheusUrl}/-/ready`).then(
        (r) => r.status,
        () => 0,
      ),
    (status) => status === 200,
    30_000,
    "Prometheus to be ready",
  );
  // Both workers and the fleet path are up (scraped with the token).
  await waitFor(
    () => query("up"),
    (up) => up.length === 3 && up.every((s) => s.value[1] === "1"),
    90_000,
    "3 targets up",
  );
}, 180_000);

afterAll(async () => {
  for (const worker of workers) {
    worker.kill("SIGTERM");
    await exited(worker);
  }
  if (prometheus?.pid) {
    process.kill(-prometheus.pid, "SIGTERM");
    await exited(prometheus);
  }
  await shutdownProvisioning();
  await emulator?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("Prometheus scraping a fleet", () => {
  it("is installed where CI asks for it", () => {
    if (required) expect(installed, "prometheus (Debian package) is not installed").toBe(true);
  });

  it.skipIf(!installed)(
    "sees the queue fill and drain, the provisioning rate, and the circuit open in a DPS outage",
    { timeout: 120_000 },
    async () => {
      await connectDps(emulator);
      // Paused first, so the queue's depth stands still long enough for a 1 s scrape to see it.
      await writeProvisioningPaused(true, null);
      const ids = await insertDevices(300, "prom");
      await enqueueProvisioning({ deviceIds: ids }, { trigger: "import", actor: null });
      await waitFor(
        () => scalar('sum(hic_queue_jobs{queue="provision-device", state="created"})'),
        (depth) => depth === 300,
        20_000,
        "a queue depth of 300",
      );
      expect(
        await scalar('max(hic_queue_oldest_job_age_seconds{queue="provision-device"})'),
      ).toBeGreaterThanOrEqual(0);
      await writeProvisioningPaused(false, null);
      await waitFor(countByStatus, (counts) => counts.assigned === 300, 60_000, "300 devices assigned");
      // …and drains; both workers' registrations add up to the provisioning rate.
      await waitFor(
        () => scalar('sum(hic_queue_jobs{queue="provision-device", state=~"created|retry|active"})'),
        (depth) => depth === 0,
        20_000,
        "the queue to drain",
      );
      const assigned = await waitFor(
        () => scalar('sum(hic_registrations_total{outcome="assigned"})'),
        (total) => total === 300,
        10_000,
        "300 assigned registrations over both workers",
      );
      expect(assigned).toBe(300);
      const perWorker = await query('sum by (instance) (hic_registrations_total{outcome="assigned"})');
      expect(perWorker).toHaveLength(2);
      expect(await scalar('sum(rate(hic_registrations_total{outcome="assigned"}[1m]))')).toBeGreaterThan(0);
      expect(await scalar('max(hic_dps_circuit_state{state="closed"})')).toBe(1);

      // A DPS outage through the emulator's admin API opens the circuit metric.
      emulator.admin.patchFaults({ unreachable: true });
      await enqueueProvisioning(
        { deviceIds: await insertDevices(20, "prom-outage") },
        { trigger: "import", actor: null },
      );
      await waitFor(
        () => scalar('max(hic_dps_circuit_state{state="open"})'),
        (open) => open === 1,
        30_000,
        "the circuit metric to open",
      );
      await waitFor(
        () => scalar("max(hic_dps_circuit_open_seconds)"),
        (seconds) => (seconds ?? 0) >= 1,
        10_000,
        "time open to grow",
      );
      emulator.admin.patchFaults({ unreachable: false });
      await waitFor(
        () => scalar('max(hic_dps_circuit_state{state="closed"})'),
        (closed) => closed === 1,
        30_000,
        "the circuit metric to close again",
      );
    },
  );
});
