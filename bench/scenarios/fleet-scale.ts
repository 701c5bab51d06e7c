import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { hashPassword } from "@/lib/auth/password";
import { pickPort } from "@/ops/postgres/free-port";
import { startInstance, startRoundRobin, type Instance } from "@/e2e/support/fleet";
import { benchDatabase } from "../support/database";
import { emulatorConfig, startEmulatorProcess } from "../support/emulator-process";
import { connectRig } from "../support/provisioning-rig";
import { signInOverHttp } from "../support/sign-in";
import { percentile, round } from "../support/stats";
import type { BenchResult } from "../support/result";
import type { ScenarioContext } from "./provisioning";
import { timeRequest } from "../support/measure";

/**
 * Spreading out: the same work with one web server and with two, each time with two provisioning
 * workers, every process started as a deployment starts it (`npm start` with HIC_ROLE=web or
 * worker, one shared database, the DPS emulator as a service of its own) behind a round-robin
 * balancer. An operator uploads a CSV through the balancer (its devices are queued for
 * provisioning); while the workers provision them, a support user keeps loading the devices page
 * through the balancer. Measured: devices provisioned per second (upload start → last one
 * assigned) and the devices page's p50 / p95 during provisioning and after it.
 */

const BACKGROUND_DEVICES = 100_000;
const PAGES = ["/devices", "/devices?status=pending", "/devices?q=fleet-0001"];
const IDLE_SAMPLES = 60;

type Figures = {
  devicesPerSecond: number;
  busy: number[];
  idle: number[];
  webServers: number;
  workers: number;
};

async function oneTopology(
  context: ScenarioContext,
  webServers: number,
  devices: number,
  actionsKey: string,
): Promise<Figures> {
  const workers = 2;
  const name = `${webServers}web`;
  // Directories of this run alone: the emulator keeps its registrations between starts.
  const runDir = path.join(context.workDir, `fleet-${name}-${Date.now().toString(36)}`);
  const databaseUrl = await benchDatabase(context.server, `bench_fleet_${name}`);
  const emulator = await startEmulatorProcess(
    emulatorConfig({
      groupKey: randomBytes(64).toString("base64"),
      registrationsPerMinute: 0,
      retryAfterSeconds: 1,
    }),
    path.join(runDir, "emulator"),
  );
  const rig = await connectRig(databaseUrl, emulator, 1_000_000);
  const instances: Instance[] = [];
  const balancer = { current: null as Awaited<ReturnType<typeof startRoundRobin>> | null };
  try {
    // A realistic table under the page: 100,000 provisioned devices.
    await rig.sql(
      `insert into devices (registration_id, name, status, assigned_hub, dps_device_id, substatus)
       select 'bg-' || lpad(g::text, 7, '0'), 'Meter ' || g, 'assigned', 'hub-' || (g % 3) || '.azure-devices.net', 'bg-' || lpad(g::text, 7, '0'), 'initialAssignment'
       from generate_series(1, $1::int) g`,
      [BACKGROUND_DEVICES],
    );
    await rig.sql("vacuum (analyze) devices");
    for (const [email, role] of [
      ["operator@bench.local", "operator"],
      ["support@bench.local", "support"],
    ] as const) {
      await rig.sql("insert into users (email, password_hash, role) values ($1, $2, $3)", [
        email,
        await hashPassword("bench-fleet-password"),
        role,
      ]);
    }

    const shared = {
      DATABASE_URL: databaseUrl,
      AUTH_SECRET: randomBytes(32).toString("base64"),
      HIC_SECRET_KEY: rig.secretKey,
      NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: actionsKey,
      HIC_DPS_EMULATOR: "off",
      HIC_DPS_EMULATOR_HOST: `127.0.0.1:${emulator.port}`,
      HIC_DPS_EMULATOR_CA_FILE: emulator.caFile,
      HIC_TRUSTED_PROXIES: "127.0.0.2",
      HIC_ADMIN_EMAIL: "",
      HIC_ADMIN_PASSWORD: "",
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
    };
    const roles = [
      ...Array.from({ length: webServers }, () => "web"),
      ...Array.from({ length: workers }, () => "worker"),
    ];
    const started = await Promise.allSettled(
      roles.map(async (role, i) => {
        const dataDir = path.join(runDir, `${role}-${i}`);
        mkdirSync(dataDir, { recursive: true });
        return startInstance(`${role} ${i}`, process.cwd(), {
          ...shared,
          HIC_ROLE: role,
          HIC_DATA_DIR: dataDir,
          PORT: String(await pickPort(0)),
        });
      }),
    );
    for (const outcome of started) if (outcome.status === "fulfilled") instances.push(outcome.value);
    for (const outcome of started) if (outcome.status === "rejected") throw outcome.reason;
    const urls = instances.filter((instance) => instance.url).map((instance) => instance.url!);
    balancer.current = await startRoundRobin(urls);
    const base = balancer.current.url;
    context.log(`fleet: ${webServers} web server(s) + ${workers} workers behind the balancer at ${base}`);

    const operator = await signInOverHttp(base, "operator@bench.local", "bench-fleet-password");
    const support = await signInOverHttp(base, "support@bench.local", "bench-fleet-password");
    for (let i = 0; i < 10; i++) await timeRequest(base + PAGES[i % PAGES.length]!, support); // warm-up, every server

    const csv = [
      "registrationId,name",
      ...Array.from({ length: devices }, (_, i) => `fleet-${String(i).padStart(6, "0")},Fleet ${i}`),
    ].join("\n");
    const uploadStartedAt = Date.now();
    const response = await fetch(`${base}/api/devices/import`, {
      method: "POST",
      headers: { Cookie: operator, "Content-Type": "text/csv", "X-File-Name": "fleet.csv" },
      body: csv,
    });
    const answer = (await response.json()) as { ok: boolean; summary?: { added: number } };
    if (!answer.ok || answer.summary?.added !== devices)
      throw new Error(`the import answered HTTP ${response.status}: ${JSON.stringify(answer).slice(0, 300)}`);

    // The page under load: one request after another until every device is assigned.
    const busy: number[] = [];
    const deadline = Date.now() + Math.max(300_000, devices * 100);
    for (let i = 0; ; i++) {
      busy.push(await timeRequest(base + PAGES[i % PAGES.length]!, support));
      if (i % 5 === 0) {
        const [row] = await rig.sql<{ n: number }>(
          "select count(*)::int as n from devices where registration_id like 'fleet-%' and status = 'assigned'",
        );
        if (row!.n >= devices) break;
        if (Date.now() > deadline) throw new Error(`only ${row!.n} of ${devices} devices assigned in time`);
      }
    }
    const [span] = await rig.sql<{ last: Date }>(
      "select max(h.finished_at) as last from provisioning_history h join devices d on d.id = h.device_id where d.registration_id like 'fleet-%'",
    );
    const seconds = (span!.last.getTime() - uploadStartedAt) / 1000;

    const idle: number[] = [];
    for (let i = 0; i < IDLE_SAMPLES; i++)
      idle.push(await timeRequest(base + PAGES[i % PAGES.length]!, support));
    const perServer = balancer.current.forwarded.reduce<number[]>(
      (counts, f) => ((counts[f.upstream] = (counts[f.upstream] ?? 0) + 1), counts),
      [],
    );
    context.log(
      `fleet: ${webServers} web: ${round(devices / seconds)} devices/s; requests per web server ${perServer.join(" / ")}`,
    );
    return { devicesPerSecond: devices / seconds, busy, idle, webServers, workers };
  } finally {
    await balancer.current?.close();
    await Promise.all(instances.map((instance) => instance.stop()));
    await emulator.stop();
    await rig.close();
  }
}

export async function fleetScaleScenario(
  context: ScenarioContext & { actionsKey: string },
): Promise<BenchResult[]> {
  const devices = context.quick ? 2_000 : 10_000;
  // The machine is shared: the full run alternates (1, 2, 2, 1 web servers) so a burst of other
  // work does not land on one side only, and pools each side's samples.
  const order = context.quick ? [1, 2] : [1, 2, 2, 1];
  const load = [os.loadavg()[0]!];
  const runs: Figures[] = [];
  for (const webServers of order) {
    runs.push(await oneTopology(context, webServers, devices, context.actionsKey));
    load.push(os.loadavg()[0]!);
  }
  const side = (webServers: number) => {
    const mine = runs.filter((run) => run.webServers === webServers);
    return {
      devicesPerSecond: mine.reduce((sum, run) => sum + run.devicesPerSecond, 0) / mine.length,
      each: mine.map((run) => round(run.devicesPerSecond)).join(", "),
      busy: mine.flatMap((run) => run.busy),
      idle: mine.flatMap((run) => run.idle),
    };
  };
  const one = side(1);
  const two = side(2);
  const p = (samples: number[], q: number) => round(percentile(samples, q));
  return [
    {
      scenario: "spreading out: 1 vs 2 web servers, 2 workers each",
      setup:
        `npm start with HIC_ROLE=web (1 or 2) and HIC_ROLE=worker (2) on one database, round-robin balancer, runs in the order ${order.join(", ")}; ${devices.toLocaleString("en")} devices uploaded as CSV through it per run ` +
        `(${BACKGROUND_DEVICES.toLocaleString("en")} already in the table), emulator without quota, Retry-After 1 s; the devices page (first page, status filter, search) loaded one request after another by a support user ` +
        `during provisioning and ${IDLE_SAMPLES} times after each run (ms)`,
      metrics: {
        "devices/s, 1 web": round(one.devicesPerSecond),
        "devices/s, 2 web": round(two.devicesPerSecond),
        "devices/s per run, 1 web": one.each,
        "devices/s per run, 2 web": two.each,
        "page p50 / p95 during, 1 web": `${p(one.busy, 50)} / ${p(one.busy, 95)} (${one.busy.length} requests)`,
        "page p50 / p95 during, 2 web": `${p(two.busy, 50)} / ${p(two.busy, 95)} (${two.busy.length} requests)`,
        "page p50 / p95 after, 1 web": `${p(one.idle, 50)} / ${p(one.idle, 95)}`,
        "page p50 / p95 after, 2 web": `${p(two.idle, 50)} / ${p(two.idle, 95)}`,
        "load average (1 min) before and after each run": load.map((l) => round(l, 2)).join(", "),
      },
      target:
        "2 web servers lose nothing: devices/s >= 0.9 × and page p95 during provisioning <= 1.25 × the 1-web-server figures (no gain expected on 2 cores)",
      met:
        two.devicesPerSecond >= 0.9 * one.devicesPerSecond &&
        percentile(two.busy, 95) <= 1.25 * percentile(one.busy, 95),
    },
  ];
}
