import { test, expect } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createDpsFetch } from "@/lib/dps/dps-fetch";
import { pickPort } from "@/ops/postgres/free-port";
import { pictureData, pictureHtml } from "./support/dashboard-picture/render";
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "@/tests/support/otlp-receiver";
import { startInstance, type Emulator, type Instance } from "./support/fleet";
import { FleetStage, startTogether } from "./support/fleet-setup";
import { queryOn } from "@/tests/support/query-on";
import { prometheusInstalled, startPrometheus, type Prometheus } from "./support/prometheus";

/**
 * Operating a fleet: two web servers (the build `npm test` made, each `npm start` with
 * HIC_ROLE=web) and a worker (HIC_ROLE=worker) on one database, each with its metrics endpoint
 * behind a bearer token and its traces sent to an in-memory OTLP receiver. Debian's Prometheus
 * scrapes them as README "Operating" says. A provisioning run goes through the web servers over
 * HTTP (connect DPS in the browser, a CSV import), then DPS (the emulator, a service of its own)
 * goes away and comes back. What Prometheus recorded is read back through its own query API, and
 * the traces from the receiver. .ci/run installs Prometheus and sets HIC_REQUIRE_PROMTOOL, so in CI
 * a missing Prometheus fails instead of skipping.
 */

const ADMIN = { email: "metrics-admin@example.com", password: "metrics-admin-password-1" };
const TOKEN = randomBytes(24).toString("hex");
const DEVICES = 600;
const OUTAGE_DEVICES = 20;
const run = Date.now().toString(36);
const logs = path.join(process.cwd(), "test-results");

async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  what: string,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(value)})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const seconds = () => Date.now() / 1000;
const values = (series: { values: [number, string][] }[]) =>
  series.flatMap((s) => s.values.map(([, v]) => Number(v)));

test.describe("a fleet's metrics and traces: two web servers and a worker, scraped by Prometheus", () => {
  test.describe.configure({ mode: "serial", timeout: 300_000 });
  test.skip(process.platform !== "linux", "process groups");

  const stage = new FleetStage("metrics", ADMIN);
  let databaseUrl = "";
  let emulator: Emulator;
  let receiver: OtlpReceiver;
  let prometheus: Prometheus | null = null;
  const instances: Instance[] = [];
  const metricsTargets: string[] = [];
  let webA: Instance;
  let webB: Instance;
  /** Moments of the run (Unix seconds), for Prometheus's range queries. */
  const at = { start: 0, imported: 0, provisioned: 0, outage: 0, back: 0, end: 0 };

  async function emulatorFaults(changes: Record<string, unknown>): Promise<void> {
    const fetch = createDpsFetch({ caPem: readFileSync(emulator.caFile, "utf8") });
    const response = await fetch(`https://${emulator.host}/_emulator/faults`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(changes),
    });
    expect(response.status, await response.text()).toBe(200);
  }

  async function instanceEnv(role: "web" | "worker"): Promise<Record<string, string>> {
    const env = await stage.instanceEnv(role);
    const metricsAddress = `127.0.0.1:${await pickPort(0)}`;
    metricsTargets.push(metricsAddress);
    return {
      ...env,
      HIC_METRICS_ADDRESS: metricsAddress,
      HIC_METRICS_TOKEN: TOKEN,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      // The hub check is tested on its own; here it would only add load.
      HIC_IOT_HUB_CHECK: "off",
      HIC_DPS_CIRCUIT_FAILURES: "3",
      HIC_DPS_PROBE_MIN_MS: "200",
      HIC_DPS_PROBE_MAX_MS: "500",
      HIC_RETRY_BASE_MS: "200",
      HIC_RETRY_MAX_MS: "1000",
      LOG_LEVEL: "warn",
    };
  }

  test.beforeAll(async () => {
    test.setTimeout(300_000);
    expect(stage.secrets.NEXT_SERVER_ACTIONS_ENCRYPTION_KEY, "npm test passes the build's key").not.toBe("");
    ({ databaseUrl, emulator } = await stage.start());
    receiver = await startOtlpReceiver();
    // The first web server migrates; the others join the migrated database.
    const envA = await instanceEnv("web");
    webA = await startInstance("web A", process.cwd(), envA, {
      logFile: path.join(logs, "metrics-web-a.log"),
    });
    instances.push(webA);
    const [envB, envWorker] = [await instanceEnv("web"), await instanceEnv("worker")];
    await startTogether(instances, [
      startInstance("web B", process.cwd(), envB, { logFile: path.join(logs, "metrics-web-b.log") }),
      startInstance("worker", process.cwd(), envWorker, { logFile: path.join(logs, "metrics-worker.log") }),
    ]);
    webB = instances[1]!;
    if (prometheusInstalled)
      prometheus = await startPrometheus({
        dir: stage.folder("prometheus"),
        token: TOKEN,
        targets: metricsTargets,
        fleetTarget: metricsTargets[0]!,
      });
  });

  test.afterAll(async () => {
    await prometheus?.stop();
    await Promise.all(instances.map((instance) => instance.stop()));
    await receiver?.close();
    await stage.stop();
  });

  test("Prometheus is installed where CI asks for it", () => {
    if (process.env.HIC_REQUIRE_PROMTOOL === "1")
      expect(prometheusInstalled, "prometheus (Debian package) is not installed").toBe(true);
  });

  test("Prometheus scrapes every web server and the worker with the token, and the fleet path from one of them", async () => {
    test.skip(!prometheus, "Debian's prometheus is not installed");
    const up = await until(
      () => prometheus!.query("up"),
      (series) => series.length === 4 && series.every((s) => s.value[1] === "1"),
      60_000,
      "4 targets up",
    );
    expect(
      up
        .filter((s) => s.metric.job === "hic")
        .map((s) => s.metric.instance)
        .sort(),
    ).toEqual([...metricsTargets].sort());
    expect(up.filter((s) => s.metric.job === "hic-fleet")).toHaveLength(1);
  });

  test("a provisioning run through the web servers, then a DPS outage", async ({ browser }) => {
    at.start = seconds();
    // Connect Azure DPS in the browser on web A (a server action).
    const context = await browser.newContext({
      baseURL: webA.url!,
      storageState: { cookies: [], origins: [] },
    });
    const page = await context.newPage();
    await page.goto("/sign-in");
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByText(ADMIN.email)).toBeVisible();
    await page.goto("/admin/hyperscaler-integration-center");
    await page.getByRole("button", { name: "Connect", exact: true }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("ID Scope").fill(emulator.idScope);
    await dialog.getByLabel("Enrollment group key", { exact: true }).fill(emulator.groupKey);
    await dialog.getByLabel("Device Provisioning Service hostname").fill(emulator.host);
    await dialog.getByRole("button", { name: "Save" }).click();
    await expect(dialog).toBeHidden();
    const cookie = (await context.cookies(webA.url!)).map((c) => `${c.name}=${c.value}`).join("; ");
    await context.close();

    // A CSV import on web B (the same session: the web servers share AUTH_SECRET).
    const importCsv = async (base: string, prefix: string, count: number) => {
      const csv = ["registrationId,name", ...Array.from({ length: count }, (_, i) => `${prefix}-${i},D${i}`)];
      const response = await fetch(`${base}/api/devices/import`, {
        method: "POST",
        headers: { cookie, "content-type": "text/csv", "x-file-name": `${prefix}.csv` },
        body: csv.join("\n"),
      });
      const body = (await response.json()) as { ok: boolean; summary: { added: number } };
      expect(response.status, JSON.stringify(body)).toBe(200);
      expect(body.summary.added).toBe(count);
    };
    const assigned = (prefix: string) =>
      queryOn<{ n: number }>(
        databaseUrl,
        "select count(*)::int as n from devices where registration_id like $1 and status = 'assigned'",
        [`${prefix}-%`],
      ).then((rows) => rows[0]!.n);
    const circuit = () =>
      queryOn<{ state: string }>(databaseUrl, "select state from dps_circuit where id = 'dps'").then(
        (rows) => rows[0]?.state ?? "closed",
      );

    await importCsv(webB.url!, `run-${run}`, DEVICES);
    at.imported = seconds();
    await until(
      () => assigned(`run-${run}`),
      (n) => n === DEVICES,
      120_000,
      `${DEVICES} devices assigned`,
    );
    at.provisioned = seconds();
    // Long enough for a 1 s scrape to see the queue empty and the rate fall.
    await new Promise((r) => setTimeout(r, 4_000));

    // DPS goes away while devices are queued: the worker's failures open the fleet's circuit.
    await emulatorFaults({ unreachable: true });
    at.outage = seconds();
    await importCsv(webA.url!, `outage-${run}`, OUTAGE_DEVICES);
    await until(circuit, (state) => state === "open", 60_000, "the DPS circuit to open");
    await new Promise((r) => setTimeout(r, 4_000));
    await emulatorFaults({ unreachable: false });
    at.back = seconds();
    await until(
      () => assigned(`outage-${run}`),
      (n) => n === OUTAGE_DEVICES,
      60_000,
      "the outage's devices assigned",
    );
    expect(await circuit()).toBe("closed");
    await new Promise((r) => setTimeout(r, 4_000));
    at.end = seconds();
  });

  test("Prometheus saw the queue fill and drain, the provisioning rate, and the circuit open and close", async () => {
    test.skip(!prometheus, "Debian's prometheus is not installed");
    const p = prometheus!;
    const depth = await p.queryRange(
      'sum(hic_queue_jobs{queue="provision-device", state=~"created|retry|active"})',
      at.start,
      at.provisioned + 3,
    );
    const depths = values(depth);
    expect(depths[0], "no job queued before the import").toBe(0);
    expect(Math.max(...depths), "jobs queued during the run").toBeGreaterThan(0);
    expect(depths.at(-1), "the queue drained").toBe(0);

    const rate = values(
      await p.queryRange(
        'sum(rate(hic_registrations_total{outcome="assigned"}[5s]))',
        at.imported,
        at.provisioned,
      ),
    );
    expect(Math.max(...rate), "a provisioning rate while the run lasted").toBeGreaterThan(1);
    const before = await p.queryRange(
      'sum(rate(hic_registrations_total{outcome="assigned"}[5s]))',
      at.start,
      at.start + 1,
    );
    expect(Math.max(0, ...values(before)), "no provisioning before the import").toBe(0);

    const open = values(await p.queryRange('max(hic_dps_circuit_state{state="open"})', at.start, at.end));
    expect(open[0], "the circuit closed before the outage").toBe(0);
    expect(Math.max(...open), "the circuit open during the outage").toBe(1);
    expect(open.at(-1), "and closed again after it").toBe(0);
    const openFor = values(await p.queryRange("max(hic_dps_circuit_open_seconds)", at.outage, at.back + 1));
    expect(Math.max(...openFor)).toBeGreaterThanOrEqual(1);

    // Each process counts what it did (every process exports these counters, at 0 until then): the
    // worker the registrations, each web server its own import.
    const registrations = await p.query(
      'sum by (instance) (hic_registrations_total{outcome="assigned"}) > 0',
    );
    expect(registrations.map((s) => [s.metric.instance, Number(s.value[1])])).toEqual([
      [metricsTargets[2], DEVICES + OUTAGE_DEVICES],
    ]);
    const rows = await p.query('sum by (instance) (hic_import_rows_total{result="added"}) > 0');
    expect(Object.fromEntries(rows.map((s) => [s.metric.instance, Number(s.value[1])]))).toEqual({
      [metricsTargets[0]!]: OUTAGE_DEVICES,
      [metricsTargets[1]!]: DEVICES,
    });
    const failures = await p.scalar('sum(hic_dps_requests_total{outcome="network-error"})');
    expect(failures, "the outage's failed DPS requests").toBeGreaterThanOrEqual(3);
    const pages = await p.query('count by (instance) (hic_http_request_duration_seconds_count{kind="page"})');
    expect(pages.map((s) => s.metric.instance)).toContain(metricsTargets[0]);
    expect(await p.scalar('sum(hic_devices{status="assigned"})')).toBe(DEVICES + OUTAGE_DEVICES);
  });

  test("one trace joins the CSV import request, its queued jobs (in the worker) and their DPS calls", async () => {
    const byTrace = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
    const isImport = (s: ReceivedSpan) => s.service === "hic-web" && s.name.includes("/api/devices/import");
    const jobsOf = (traceId: string) => byTrace(traceId).filter((s) => s.name === "provision device");
    const trace = await until(
      async () => {
        const roots = receiver.spans.filter((s) => isImport(s) && s.parentSpanId === "");
        return (
          roots
            .map((root) => root.traceId)
            .find((id) => new Set(jobsOf(id).map((s) => s.attributes["hic.device_id"])).size === DEVICES) ??
          null
        );
      },
      (id) => id !== null,
      30_000,
      `an import request whose trace holds its ${DEVICES} jobs`,
    );
    const spans = byTrace(trace!);
    writeFileSync(path.join(logs, "metrics-import-trace.json"), JSON.stringify(spans.slice(0, 200), null, 1));
    const ids = new Set(spans.map((s) => s.spanId));
    const root = spans.find((s) => s.parentSpanId === "")!;
    // Next.js's own request span, on the web server that took the upload.
    expect(root.service).toBe("hic-web");
    expect(root.name).toMatch(/^POST \/api\/devices\/import/);
    for (const job of jobsOf(trace!)) {
      expect(job.service).toBe("hic-worker");
      expect(ids.has(job.parentSpanId), "a job's parent is a span of the request").toBe(true);
    }
    const calls = spans.filter((s) => s.name.startsWith("DPS "));
    const jobIds = new Set(jobsOf(trace!).map((s) => s.spanId));
    expect(calls.filter((s) => s.name === "DPS register").length).toBeGreaterThanOrEqual(DEVICES);
    for (const call of calls)
      expect(jobIds.has(call.parentSpanId), "a DPS call's parent is a job").toBe(true);
    // Spans name operations, never a device's registration ID, an e-mail or a key.
    const everything = JSON.stringify(receiver.spans);
    expect(everything).not.toContain(`run-${run}-`);
    expect(everything).not.toContain(ADMIN.email);
    expect(everything).not.toContain("SharedAccessSignature");
    expect(everything).not.toContain(emulator.groupKey);
  });

  test("a server action's span sits in the trace of the request that reached it", async () => {
    const action = await until(
      async () =>
        receiver.spans.find((s) => s.service === "hic-web" && /^action integration\./.test(s.name)) ?? null,
      (span) => span !== null,
      15_000,
      "the connect action's span",
    );
    expect(action!.attributes["hic.action.result"]).toBe("ok");
    const trace = receiver.spans.filter((s) => s.traceId === action!.traceId);
    writeFileSync(path.join(logs, "metrics-action-trace.json"), JSON.stringify(trace, null, 1));
    // Next.js's request span (it names an action's POST by its method alone; the path is an attribute).
    const root = trace.find((s) => s.parentSpanId === "");
    expect(root?.service).toBe("hic-web");
    expect(root?.name).toMatch(/^POST\b/);
    expect(root?.attributes["http.target"]).toMatch(/^\/admin\/hyperscaler-integration-center/);
    expect(trace.some((s) => s.spanId === action!.parentSpanId)).toBe(true);
  });

  test("the dashboard's main panels drawn from what Prometheus recorded", async ({ page }) => {
    test.skip(!prometheus, "Debian's prometheus is not installed");
    const data = await pictureData(
      prometheus!.url,
      Math.floor(at.start) - 5,
      Math.ceil(at.end),
      `two web servers and a worker, ${DEVICES} devices imported, then a DPS outage (test run)`,
    );
    const withData = data.panels.filter((panel) => panel.series.some((s) => s.points.length > 0));
    expect(withData.map((p) => p.title)).toEqual(
      expect.arrayContaining([
        "DPS circuit",
        "Provisioning rate (devices/min)",
        "Queue depth",
        "Devices by status",
      ]),
    );
    await page.setViewportSize({ width: 1360, height: 900 });
    await page.setContent(await pictureHtml(data));
    await page.locator("body[data-ready]").waitFor();
    const file = path.join(logs, "dashboard.png");
    await page.screenshot({ path: file, fullPage: true });
    if (process.env.HIC_SCREENSHOTS === "1")
      copyFileSync(file, path.join(process.cwd(), "docs", "dashboard.png"));
  });
});
