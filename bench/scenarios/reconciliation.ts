import { randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { startNextServer } from "@/ops/launcher/next-server";
import { pickPort } from "@/ops/postgres/free-port";
import { hashPassword } from "@/lib/auth/password";
import { encryptSecret, parseKek } from "@/lib/secrets/envelope";
import { integrationKeyContext } from "@/lib/secrets/encrypted-columns";
import { DPS_INTEGRATION_ID } from "@/lib/integrations/azure-dps/integration-dto";
import { encodeKeyCursor } from "@/lib/keyset-page";
import { startEmulatorProcess, type EmulatorProcess } from "../support/emulator-process";
import { measureRunOverHttp, startAppAndWorker, type BackgroundRunRig } from "../support/background-run";
import { signInOverHttp } from "../support/sign-in";
import { percentile, round } from "../support/stats";
import type { BenchResult } from "../support/result";
import { timeRequest } from "../support/measure";

const HUB_1 = "bench-hub-1.azure-devices.net";
const HUB_2 = "bench-hub-2.azure-devices.net";
const GROUP = "bench-fleet";
const RECORDS_PAGE = "/admin/hyperscaler-integration-center/registration-records";

function emulatorConfig(groupKey: string, policyKey: string) {
  return {
    idScope: "0ne00BE4C12",
    linkedHubs: [{ name: HUB_1 }, { name: HUB_2 }],
    enrollmentGroups: [
      { enrollmentGroupId: GROUP, primaryKey: groupKey, secondaryKey: randomBytes(32).toString("base64") },
    ],
    servicePolicies: [
      {
        name: "provisioningserviceowner",
        primaryKey: policyKey,
        secondaryKey: randomBytes(32).toString("base64"),
      },
    ],
    retryAfterSeconds: 1,
    // DPS's own limits: the service API shares the 1,000 operations a minute of one unit.
    quotas: { registrationsPerMinute: 1000, operationsPerMinute: 1000, pollsPer10sPerDevice: 5 },
  };
}

async function connect(
  client: pg.Client,
  emulator: EmulatorProcess,
  secretKey: string,
  policyKey: string,
): Promise<void> {
  const kek = parseKek(secretKey);
  await client.query(
    `insert into integrations (id, id_scope, host, registrations_per_minute, operations_per_minute, primary_key_ciphertext, version, updated_at, updated_by_email,
       service_host, service_policy_name, service_key_ciphertext, service_rights, service_checked_at, enrollment_group_id, enrollment_group_source, enrollment_group_checked_at)
     values ($1, $2, $3, 1000, 1000, $4, 1, now(), 'bench', $3, 'provisioningserviceowner', $5,
       '{"enrollmentRead": true, "enrollmentWrite": null, "registrationStatusRead": true, "registrationStatusWrite": true}', now(), $6, 'found-by-key', now())`,
    [
      DPS_INTEGRATION_ID,
      emulator.idScope,
      `localhost:${emulator.port}`,
      encryptSecret(emulator.groupKey, kek, integrationKeyContext(DPS_INTEGRATION_ID, "primary")),
      encryptSecret(policyKey, kek, integrationKeyContext(DPS_INTEGRATION_ID, "service")),
      GROUP,
    ],
  );
}

/**
 * The platform's side: 95 % of DPS's records as assigned devices (one in a hundred of them on the
 * other hub), the other 5 % missing (orphans), and 2 % more devices DPS never saw.
 */
async function seedDevices(
  client: pg.Client,
  records: number,
): Promise<{ orphans: number; neverRegistered: number; hubDiffers: number }> {
  await client.query(
    `insert into devices (registration_id, status, assigned_hub, dps_device_id, substatus)
     select 'rec-' || lpad(g::text, 7, '0'), 'assigned', case when g % 100 = 7 then $2 else $3 end, 'rec-' || lpad(g::text, 7, '0'), 'initialAssignment'
     from generate_series(1, $1::int) g where g % 20 <> 0`,
    [records, HUB_2, HUB_1],
  );
  const neverRegistered = Math.floor(records / 50);
  await client.query(
    `insert into devices (registration_id) select 'platform-only-' || lpad(g::text, 7, '0') from generate_series(1, $1::int) g`,
    [neverRegistered],
  );
  await client.query("analyze devices");
  const orphans = Math.floor(records / 20);
  const hubDiffers = [...Array(records).keys()]
    .map((i) => i + 1)
    .filter((g) => g % 20 !== 0 && g % 100 === 7).length;
  return { orphans, neverRegistered, hubDiffers };
}

/**
 * Reconciliation on the user's path: an operator signed in to the running app presses "Reconcile
 * now" (the server action, over HTTP); a worker process (`npm run worker`'s script) runs the job,
 * paging through the emulator's service API at DPS's 1,000 operations a minute; the time is until
 * the run is complete, the memory is the worker's (sampled from /proc every 50 ms, and its VmHWM).
 */
export async function reconciliationScenario(options: {
  databaseUrl: string;
  records: number;
  workDir: string;
  log: (line: string) => void;
}): Promise<BenchResult> {
  const secretKey = randomBytes(32).toString("base64");
  const policyKey = randomBytes(32).toString("base64");
  const groupKey = randomBytes(64).toString("base64");
  const emulator = await startEmulatorProcess(
    emulatorConfig(groupKey, policyKey),
    path.join(options.workDir, "reconcile-emulator"),
  );
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  let rig: BackgroundRunRig | null = null;
  try {
    const started = performance.now();
    await emulator.admin("POST", "registrations/generate", {
      prefix: "rec-",
      count: options.records,
      digits: 7,
      assignedHub: HUB_1,
    });
    options.log(
      `reconciliation: ${options.records.toLocaleString("en")} records generated in the emulator in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    const expected = await seedDevices(client, options.records);
    await connect(client, emulator, secretKey, policyKey);
    const password = "bench-operator-password";
    await client.query("insert into users (email, password_hash, role) values ($1, $2, 'operator')", [
      "operator@bench.local",
      await hashPassword(password),
    ]);

    rig = await startAppAndWorker({ databaseUrl: options.databaseUrl, secretKey, emulator });
    type Run = {
      status: string;
      pages: number;
      records: number;
      orphans: number;
      never_registered: number;
      hub_differs: number;
      failure_message: string | null;
    };
    const { run, seconds, idleRssMb, peakRssMb } = await measureRunOverHttp<Run>(client, rig, {
      user: { email: "operator@bench.local", password },
      page: RECORDS_PAGE,
      action: "lib/actions/reconcile-registrations.ts#reconcileRegistrationsAction",
      button: "Reconcile now",
      started: "Reconciliation started",
      poll: "select status, pages, records, orphans, never_registered, hub_differs, failure_message from registration_reconciliations order by id desc limit 1",
      what: "reconciliation",
      timeoutMs: 600_000,
    });
    const counted = {
      orphans: run.orphans,
      neverRegistered: run.never_registered,
      hubDiffers: run.hub_differs,
    };
    const correct =
      run.records === options.records &&
      counted.orphans === expected.orphans &&
      counted.neverRegistered === expected.neverRegistered &&
      counted.hubDiffers === expected.hubDiffers;
    return {
      scenario: "registration records reconciliation",
      setup: `${options.records.toLocaleString("en")} records in the emulator's enrollment group (service API, 1,000 operations/min), ${(options.records * 0.95 + expected.neverRegistered).toLocaleString("en")} devices; "Reconcile now" over HTTP as an operator, the job in a worker process`,
      metrics: {
        seconds: round(seconds, 1),
        "records/s": Math.round(options.records / seconds),
        pages: run.pages,
        "worker peak RSS MB": round(peakRssMb, 0),
        "worker idle RSS MB": round(idleRssMb, 0),
        orphans: counted.orphans,
        "never registered": counted.neverRegistered,
        "hub differs": counted.hubDiffers,
      },
      target:
        "every record compared (counts exact), paced under the operations quota; time and memory reported",
      met: correct,
      notes: correct ? undefined : `expected ${JSON.stringify(expected)}, got ${JSON.stringify(counted)}`,
    };
  } finally {
    await rig?.stop();
    await client.end();
    await emulator.stop();
  }
}

/** A completed run with `size` findings, written straight to the database (the view is what is measured here). */
async function seedFindings(client: pg.Client, from: number, size: number, runId: number): Promise<void> {
  await client.query(
    `insert into registration_findings (run_id, registration_key, registration_id, kind, hub_differs, status_differs, hub, dps_status, dps_hub, dps_device_id, platform_status, platform_hub)
     select $3, k, k, case when g % 50 = 0 then 'orphan' when g % 40 = 0 then 'never-registered' when g % 30 = 0 then 'differs' else 'agrees' end,
       g % 30 = 0 and g % 50 <> 0 and g % 40 <> 0, false, case when g % 2 = 0 then $4 else $5 end,
       case when g % 40 = 0 then null else 'assigned' end, case when g % 40 = 0 then null else (case when g % 2 = 0 then $4 else $5 end) end, k,
       case when g % 50 = 0 then null else 'assigned' end, case when g % 50 = 0 then null else (case when g % 2 = 0 then $4 else $5 end) end
     from generate_series($1::int, $2::int) g, lateral (select 'rec-' || lpad(g::text, 7, '0') as k) key`,
    [from + 1, size, runId, HUB_1, HUB_2],
  );
  await client.query(`update registration_reconciliations set records = $2 where id = $1`, [runId, size]);
  await client.query("analyze registration_findings");
}

/** The Registration records view at 1,000 to 1,000,000 findings, as a signed-in support user sees it over HTTP. */
export async function recordsViewScenario(options: {
  databaseUrl: string;
  sizes: number[];
  log: (line: string) => void;
}): Promise<BenchResult[]> {
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  const password = "bench-support-password";
  await client.query("insert into users (email, password_hash, role) values ($1, $2, 'support')", [
    "support@bench.local",
    await hashPassword(password),
  ]);
  const [run] = (
    await client.query<{ id: number }>(
      `insert into registration_reconciliations (status, enrollment_group_id, started_at, finished_at, records, orphans, never_registered, hub_differs, status_differs, device_id_differs, agree)
       values ('completed', $1, now(), now(), 0, 0, 0, 0, 0, 0, 0) returning id::int as id`,
      [GROUP],
    )
  ).rows;
  const app = await startNextServer({
    root: process.cwd(),
    host: "127.0.0.1",
    port: await pickPort(0),
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      AUTH_SECRET: randomBytes(32).toString("base64"),
      HIC_SECRET_KEY: randomBytes(32).toString("base64"),
      HIC_WORKER: "off",
      LOG_LEVEL: "warn",
    },
  });
  const results: BenchResult[] = [];
  try {
    const cookie = await signInOverHttp(app.url, "support@bench.local", password);
    const perSize = new Map<number, Record<string, number>>();
    let seeded = 0;
    for (const size of options.sizes) {
      const started = Date.now();
      await seedFindings(client, seeded, size, run!.id);
      seeded = size;
      options.log(
        `records view: seeded ${size.toLocaleString("en")} findings in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      const deep = `rec-${String(Math.floor(size * 0.9)).padStart(7, "0")}`;
      const queries: Record<string, string> = {
        "first page": RECORDS_PAGE,
        "orphans filter": `${RECORDS_PAGE}?finding=orphan`,
        "hub differs filter": `${RECORDS_PAGE}?finding=hub`,
        "prefix search": `${RECORDS_PAGE}?q=rec-${String(Math.floor(size / 2))
          .padStart(7, "0")
          .slice(0, 6)}`,
        "deep page (90 %)": `${RECORDS_PAGE}?after=${encodeKeyCursor(deep)}`,
      };
      const timings: Record<string, number> = {};
      for (const [name, url] of Object.entries(queries)) {
        for (let i = 0; i < 5; i++) await timeRequest(app.url + url, cookie);
        const samples: number[] = [];
        for (let i = 0; i < 30; i++) samples.push(await timeRequest(app.url + url, cookie));
        timings[name] = round(percentile(samples, 95));
      }
      perSize.set(size, timings);
    }
    const smallest = options.sizes[0]!;
    const largest = options.sizes.at(-1)!;
    for (const name of Object.keys(perSize.get(smallest)!)) {
      const metrics: Record<string, number> = {};
      for (const size of options.sizes) metrics[`p95@${size}`] = perSize.get(size)![name]!;
      const ratio = round(perSize.get(largest)![name]! / perSize.get(smallest)![name]!, 2);
      metrics[`ratio p95 ${largest}/${smallest}`] = ratio;
      results.push({
        scenario: `registration records view: ${name}`,
        setup: `${options.sizes.map((s) => s.toLocaleString("en")).join(" / ")} findings of a completed run, signed-in support user over HTTP, 30 samples after 5 warm-up (ms)`,
        metrics,
        target:
          largest >= 1_000_000
            ? "p95 <= 150 ms at 1,000,000 and ratio <= 1.5"
            : "ratio <= 1.5 (p95 <= 150 ms checked at 1,000,000 in the full run)",
        met: ratio <= 1.5 && (largest < 1_000_000 || perSize.get(largest)![name]! <= 150),
      });
    }
  } finally {
    await app.stop();
    await client.end();
  }
  return results;
}
