import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { hashPassword } from "@/lib/auth/password";
import { encryptSecret, parseKek } from "@/lib/secrets/envelope";
import { hubCredentialKeyContext } from "@/lib/secrets/encrypted-columns";
import { encodeKeyCursor } from "@/lib/keyset-page";
import { startEmulatorProcess } from "../support/emulator-process";
import { measureRunOverHttp, startAppAndWorker, type BackgroundRunRig } from "../support/background-run";
import { signInOverHttp } from "../support/sign-in";
import { percentile, round } from "../support/stats";
import type { BenchResult } from "../support/result";
import { timeRequest } from "../support/measure";

const HUB_1 = "bench-drift-hub-1.azure-devices.net";
const HUB_2 = "bench-drift-hub-2.azure-devices.net";
const DRIFT_PAGE = "/admin/hyperscaler-integration-center/hub-drift";
const IDENTITIES_FILE = "iot-hub-identities.json";
const KEYS_FILE = "iot-hub-keys.json";

const id = (prefix: string, g: number) => `${prefix}-${String(g).padStart(7, "0")}`;

/**
 * Which device g (1…n) is, and the identity HUB_1 holds for it: one in a hundred of each case.
 *   g % 100 = 1: known by another device ID (alias-…) in DPS and the hub  → device ID differs
 *   g % 100 = 2: identity disabled                                         → disabled
 *   g % 100 = 3: no identity; an unknown one (ghost-…) instead             → missing + orphan
 *   g % 100 = 4: the device moved to HUB_2 (no credentials there)          → stale
 */
function identityOf(g: number): { deviceId: string; disabled: boolean } {
  if (g % 100 === 1) return { deviceId: id("alias", g), disabled: false };
  if (g % 100 === 3) return { deviceId: id("ghost", g), disabled: false };
  return { deviceId: id("drift", g), disabled: g % 100 === 2 };
}

/** The emulator's identity store file, written before it starts (its format: emulators/iot-hub/identity-store.ts). */
function plantIdentities(dataDir: string, count: number): void {
  const never = "0001-01-01T00:00:00Z";
  const key = randomBytes(32).toString("base64");
  const parts: string[] = [];
  for (let g = 1; g <= count; g++) {
    const { deviceId, disabled } = identityOf(g);
    parts.push(
      JSON.stringify({
        deviceId,
        generationId: String(638000000000000000 + g),
        etag: Buffer.from(`etag-${g}`).toString("base64"),
        status: disabled ? "disabled" : "enabled",
        statusReason: disabled ? "bench" : null,
        statusUpdatedTime: never,
        connectionState: "Disconnected",
        connectionStateUpdatedTime: never,
        lastActivityTime: never,
        primaryKey: key,
        secondaryKey: key,
        cloudToDeviceMessageCount: 0,
        twin: { version: 1, tags: {}, desired: {}, desiredVersion: 1, reported: {}, reportedVersion: 1 },
      }),
    );
  }
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(
    path.join(dataDir, IDENTITIES_FILE),
    `{"version":1,"hubs":{${JSON.stringify(HUB_1)}:[${parts.join(",")}]}}`,
  );
}

async function seedDevices(client: pg.Client, count: number): Promise<void> {
  await client.query(
    `insert into devices (registration_id, status, assigned_hub, dps_device_id, substatus)
     select 'drift-' || lpad(g::text, 7, '0'), 'assigned', case when g % 100 = 4 then $3 else $2 end,
       case when g % 100 = 1 then 'alias-' else 'drift-' end || lpad(g::text, 7, '0'), 'initialAssignment'
     from generate_series(1, $1::int) g`,
    [count, HUB_1, HUB_2],
  );
  await client.query("analyze devices");
}

/**
 * Drift over `identities` hub identities on the user's path: an operator signed in to the running
 * app presses "Check hubs now" (the server action, over HTTP); a worker process runs the slices,
 * paging through the local IoT Hub's devices query (in the emulator's own process); the time is
 * until the run is complete, the memory the worker's (sampled every 50 ms, and its VmHWM). Then the
 * Hub drift page as a signed-in support user over HTTP.
 */
export async function hubDriftScenario(options: {
  databaseUrl: string;
  identities: number;
  workDir: string;
  log: (line: string) => void;
}): Promise<BenchResult[]> {
  const n = options.identities;
  const secretKey = randomBytes(32).toString("base64");
  const dataDir = path.join(options.workDir, "drift-emulator");
  const started = performance.now();
  plantIdentities(dataDir, n);
  options.log(
    `hub drift: ${n.toLocaleString("en")} identities planted in the emulator's store in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const emulator = await startEmulatorProcess(
    {
      idScope: "0ne00BE4C13",
      linkedHubs: [{ name: HUB_1 }, { name: HUB_2 }],
      enrollmentGroups: [
        {
          enrollmentGroupId: "bench-drift",
          primaryKey: randomBytes(64).toString("base64"),
          secondaryKey: randomBytes(64).toString("base64"),
        },
      ],
      retryAfterSeconds: 1,
    },
    dataDir,
  );
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  let rig: BackgroundRunRig | null = null;
  try {
    await seedDevices(client, n);
    const keys = JSON.parse(readFileSync(path.join(dataDir, KEYS_FILE), "utf8")) as Record<
      string,
      Record<string, { primaryKey: string }>
    >;
    const policyKey = keys[HUB_1]!.registryRead!.primaryKey;
    await client.query(
      `insert into hub_credentials (hub_host, policy_name, key_ciphertext, rights, rights_checked_at)
       values ($1, 'registryRead', $2, '{"registryRead": true, "registryWrite": false}', now())`,
      [HUB_1, encryptSecret(policyKey, parseKek(secretKey), hubCredentialKeyContext(HUB_1))],
    );
    const users = [
      ["operator@bench.local", "bench-operator-password", "operator"],
      ["support@bench.local", "bench-support-password", "support"],
    ] as const;
    for (const [email, password, role] of users)
      await client.query("insert into users (email, password_hash, role) values ($1, $2, $3)", [
        email,
        await hashPassword(password),
        role,
      ]);

    rig = await startAppAndWorker({
      databaseUrl: options.databaseUrl,
      secretKey,
      emulator,
      extraEnv: {
        HIC_IOT_HUB_SERVICE_ADDRESSES: `*.azure-devices.net=${emulator.iotHub.address}:${emulator.iotHub.httpsPort}`,
        HIC_IOT_HUB_ADDRESSES: `*.azure-devices.net=${emulator.iotHub.address}:${emulator.iotHub.mqttPort}`,
        HIC_IOT_HUB_CA_FILE: emulator.iotHub.caFile,
      },
    });
    type Run = {
      status: string;
      identities_seen: number;
      missing: number;
      disabled: number;
      orphans: number;
      device_id_differs: number;
      stale: number;
      failure_message: string | null;
    };
    const { run, seconds, idleRssMb, peakRssMb } = await measureRunOverHttp<Run>(client, rig, {
      user: { email: users[0][0], password: users[0][1] },
      page: DRIFT_PAGE,
      action: "lib/actions/request-hub-drift.ts#requestHubDriftAction",
      button: "Check hubs now",
      started: "Drift check started",
      poll: "select status, identities_seen, missing, disabled, orphans, device_id_differs, stale, failure_message from hub_drift_runs order by id desc limit 1",
      what: "drift run",
      timeoutMs: 900_000,
    });
    const per = (r: number) => Math.floor((n - r) / 100) + 1;
    const expected = {
      missing: per(3),
      disabled: per(2),
      orphans: per(3),
      deviceIdDiffers: per(1),
      stale: per(4),
    };
    const counted = {
      missing: run.missing,
      disabled: run.disabled,
      orphans: run.orphans,
      deviceIdDiffers: run.device_id_differs,
      stale: run.stale,
    };
    const correct = run.identities_seen === n && JSON.stringify(counted) === JSON.stringify(expected);
    const results: BenchResult[] = [
      {
        scenario: "hub drift",
        setup: `${n.toLocaleString("en")} identities in one hub of the local IoT Hub (emulator process), ${n.toLocaleString("en")} devices (1 % of each drift case); "Check hubs now" over HTTP as an operator, the slices in a worker process (pages of 1,000)`,
        metrics: {
          seconds: round(seconds, 1),
          "identities/s": Math.round(n / seconds),
          "worker peak RSS MB": round(peakRssMb, 0),
          "worker idle RSS MB": round(idleRssMb, 0),
          ...counted,
        },
        target: "every identity compared (counts exact); time and peak RSS reported",
        met: correct,
        notes: correct
          ? undefined
          : `expected ${JSON.stringify(expected)}, got ${JSON.stringify(counted)} of ${run.identities_seen}`,
      },
    ];

    const app = rig.app;
    const support = await signInOverHttp(app.url, users[1][0], users[1][1]);
    await client.query("analyze hub_drift_findings");
    const deep = `${HUB_1}/${id("drift", Math.floor(n * 0.9))}#disabled`;
    const queries: Record<string, string> = {
      "first page": DRIFT_PAGE,
      "missing filter": `${DRIFT_PAGE}?finding=missing`,
      "orphans filter": `${DRIFT_PAGE}?finding=orphan`,
      "stale filter": `${DRIFT_PAGE}?finding=stale`,
      "hub filter + prefix": `${DRIFT_PAGE}?hub=${HUB_1}&q=drift-00500`,
      "prefix search": `${DRIFT_PAGE}?q=ghost-0050`,
      "deep page (90 %)": `${DRIFT_PAGE}?after=${encodeKeyCursor(deep)}`,
    };
    for (const [name, url] of Object.entries(queries)) {
      for (let i = 0; i < 5; i++) await timeRequest(app.url + url, support);
      const samples: number[] = [];
      for (let i = 0; i < 30; i++) samples.push(await timeRequest(app.url + url, support));
      const p95 = round(percentile(samples, 95));
      results.push({
        scenario: `hub drift page: ${name}`,
        setup: `${Object.values(counted)
          .reduce((a, b) => a + b, 0)
          .toLocaleString(
            "en",
          )} findings of a run over ${n.toLocaleString("en")} identities, signed-in support user over HTTP through the app, 30 samples after 5 warm-up (ms)`,
        metrics: { p50: round(percentile(samples, 50)), p95 },
        target: "p95 < 150 ms",
        met: p95 < 150,
      });
    }
    return results;
  } finally {
    await rig?.stop();
    await client.end();
    await emulator.stop();
  }
}
