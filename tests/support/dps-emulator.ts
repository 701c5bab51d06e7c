import { createHmac } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { Agent, request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";

import { SharedAccessSignature } from "azure-iot-common";

import { deriveDeviceKey } from "@/lib/dps/derive-device-key";

import type { EmulatorConfigInput } from "../../emulators/dps/config";
import type { RandomSource } from "../../emulators/dps/faults";
import { startDpsEmulator, type DpsEmulator } from "../../emulators/dps/index";

export const TEST_ID_SCOPE = "0ne00000A0A";
export const HUB_A = "hub-a.azure-devices.net";
export const HUB_B = "hub-b.azure-devices.net";
export const FLEET_PRIMARY_KEY =
  "2vFQDN/uwu4bdbcjSYPaTBvmfWeaYBNprYWESC9cHRmzNd2yopaQuYJRpec23LXJZuWwTgL+IvrXrgVPYVcwfQ==";
export const FLEET_SECONDARY_KEY =
  "8isrFI1sGsIlvvFSSFRiMfCNzv21fjbE/+ah/lSh3lF8e2YG1Te7w1KpZhJFFXJrqYKi9yegxkqIChbqOS9Egw==";
export const DISABLED_GROUP_KEY = Buffer.alloc(32, 7).toString("base64");

export const FLEET_GROUP = {
  enrollmentGroupId: "fleet",
  primaryKey: FLEET_PRIMARY_KEY,
  secondaryKey: FLEET_SECONDARY_KEY,
};

/** DPS's default policy name, with every right, and a policy that may only read (docs/dps-protocol.md §8.2). */
export const OWNER_POLICY = {
  name: "provisioningserviceowner",
  primaryKey: Buffer.alloc(32, 0x4f).toString("base64"),
  secondaryKey: Buffer.alloc(32, 0x50).toString("base64"),
};
export const READER_POLICY = {
  name: "registration-reader",
  primaryKey: Buffer.alloc(32, 0x52).toString("base64"),
  secondaryKey: Buffer.alloc(32, 0x53).toString("base64"),
  rights: ["enrollmentRead", "registrationStatusRead"] as ("enrollmentRead" | "registrationStatusRead")[],
};

/** The connection string the portal would show for `policy` on this emulator (HostName carries the port). */
export function serviceConnectionString(
  emulator: Pick<DpsEmulator, "port">,
  policy: { name: string; primaryKey: string } = OWNER_POLICY,
): string {
  return `HostName=localhost:${emulator.port};SharedAccessKeyName=${policy.name};SharedAccessKey=${policy.primaryKey}`;
}

/** A service API token signed with the official SDK's own code (azure-iot-common), independently of lib/dps/service. */
export function serviceToken(
  emulator: Pick<DpsEmulator, "port">,
  policy: { name: string; primaryKey: string } = OWNER_POLICY,
  expiry = Math.floor(Date.now() / 1000) + 3600,
): string {
  return SharedAccessSignature.create(
    `localhost:${emulator.port}`,
    policy.name,
    policy.primaryKey,
    expiry,
  ).toString();
}

/** One enabled hashed group over two hubs, one disabled group; no throttling and an immediate Retry-After. */
export function testConfig(overrides: Partial<EmulatorConfigInput> = {}): EmulatorConfigInput {
  return {
    idScope: TEST_ID_SCOPE,
    linkedHubs: [
      { name: HUB_A, allocationWeight: 1, latencyMs: 40 },
      { name: HUB_B, allocationWeight: 3, latencyMs: 20 },
    ],
    enrollmentGroups: [
      FLEET_GROUP,
      {
        enrollmentGroupId: "retired",
        primaryKey: DISABLED_GROUP_KEY,
        secondaryKey: DISABLED_GROUP_KEY,
        provisioningStatus: "disabled",
      },
    ],
    servicePolicies: [OWNER_POLICY, READER_POLICY],
    retryAfterSeconds: 0,
    quotas: { registrationsPerMinute: 0, operationsPerMinute: 0, pollsPer10sPerDevice: 0 },
    ...overrides,
  };
}

export type TestEmulator = DpsEmulator & { dataDir: string; dispose(): Promise<void> };

export async function makeDataDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), "dps-emulator-test-"));
}

export async function startTestEmulator(
  config: EmulatorConfigInput = testConfig(),
  options: { random?: RandomSource; dataDir?: string; now?: () => number } = {},
): Promise<TestEmulator> {
  const dataDir = options.dataDir ?? (await makeDataDir());
  let emulator: DpsEmulator;
  try {
    emulator = await startDpsEmulator({ config, port: 0, dataDir, random: options.random, now: options.now });
  } catch (error) {
    if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return Object.assign(emulator, {
    dataDir,
    async dispose() {
      await emulator.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  });
}

export type SrEncoding = "raw" | "upper" | "lower";

/** Signs a registration token the way each SDK family does (docs/dps-protocol.md §2.2), independently of lib/dps/sas. */
export function signRegistrationToken(
  idScope: string,
  registrationId: string,
  deviceKey: string,
  options: { encoding?: SrEncoding; expiry?: number } = {},
): string {
  const raw = `${idScope}/registrations/${registrationId}`;
  const encoding = options.encoding ?? "raw";
  const sr =
    encoding === "raw"
      ? raw
      : encoding === "upper"
        ? encodeURIComponent(raw)
        : encodeURIComponent(raw).replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
  const se = options.expiry ?? Math.floor(Date.now() / 1000) + 3600;
  const sig = createHmac("sha256", Buffer.from(deviceKey, "base64")).update(`${sr}\n${se}`).digest("base64");
  return `SharedAccessSignature sr=${sr}&sig=${encodeURIComponent(sig)}&se=${se}&skn=registration`;
}

export function fleetToken(
  registrationId: string,
  options: { encoding?: SrEncoding; expiry?: number; key?: string } = {},
): string {
  return signRegistrationToken(
    TEST_ID_SCOPE,
    registrationId,
    deriveDeviceKey(options.key ?? FLEET_PRIMARY_KEY, registrationId),
    options,
  );
}

export type RawResponse = {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
};

const agents = new Map<string, Agent>();

function agentFor(caPem: string): Agent {
  let agent = agents.get(caPem);
  if (agent === undefined) {
    agent = new Agent({ ca: caPem, keepAlive: true });
    agents.set(caPem, agent);
  }
  return agent;
}

/** A request with full control over method, path, headers and body, trusting only the emulator's CA. */
export function rawRequest(
  emulator: Pick<DpsEmulator, "url" | "caPem">,
  method: string,
  pathAndQuery: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const url = new URL(pathAndQuery, emulator.url);
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === "string"
        ? options.body
        : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method,
        agent: agentFor(emulator.caPem),
        headers: {
          accept: "application/json",
          // Explicit length: Node does not frame a GET body otherwise, and the SDK sends one (`{}`) with a length.
          ...(body !== undefined
            ? {
                "content-type": "application/json; charset=utf-8",
                "content-length": String(Buffer.byteLength(body)),
              }
            : {}),
          ...(options.token !== undefined ? { authorization: options.token } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const API = "api-version=2019-03-31";

export function registerPath(registrationId: string, idScope = TEST_ID_SCOPE): string {
  return `/${idScope}/registrations/${registrationId}/register?${API}`;
}

export function operationPath(registrationId: string, operationId: string, idScope = TEST_ID_SCOPE): string {
  return `/${idScope}/registrations/${registrationId}/operations/${operationId}?${API}`;
}

export function statusPath(registrationId: string, idScope = TEST_ID_SCOPE): string {
  return `/${idScope}/registrations/${registrationId}?${API}`;
}

/** PUT register then poll until the operation leaves `assigning`; returns the final operation body. */
export async function registerAndWait(
  emulator: Pick<DpsEmulator, "url" | "caPem">,
  registrationId: string,
  token: string,
  body: Record<string, unknown> = {},
): Promise<{ operationId: string; status: string; registrationState?: Record<string, unknown> }> {
  const put = await rawRequest(emulator, "PUT", registerPath(registrationId), {
    token,
    body: { registrationId, ...body },
  });
  if (put.status !== 202) throw new Error(`register answered ${put.status}: ${put.text}`);
  const { operationId } = put.json as { operationId: string };
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const poll = await rawRequest(emulator, "GET", operationPath(registrationId, operationId), { token });
    if (poll.status === 200)
      return poll.json as {
        operationId: string;
        status: string;
        registrationState?: Record<string, unknown>;
      };
    if (poll.status !== 202) throw new Error(`operation lookup answered ${poll.status}: ${poll.text}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("operation never completed");
}
