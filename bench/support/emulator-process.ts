import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import path from "node:path";
import { createInterface } from "node:readline";
import { createDpsFetch } from "@/lib/dps";

export type EmulatorProcess = {
  /** The emulator's process, for its CPU use. */
  pid: number;
  url: string;
  port: number;
  caFile: string;
  caPem: string;
  idScope: string;
  groupKey: string;
  /** The local IoT Hub in the same process: where its hubs answer, and its CA. */
  iotHub: { address: string; mqttPort: number; httpsPort: number; caFile: string };
  /** Calls the local IoT Hub's loopback admin API (`/_emulator/iot-hub/...`). */
  hubAdmin: <T>(method: string, route: string, body?: unknown) => Promise<T>;
  /** Calls the loopback admin API (`/_emulator/...`). */
  admin: <T>(method: string, route: string, body?: unknown) => Promise<T>;
  stop: () => Promise<void>;
};

/**
 * The emulator in its own process, started the way users start it (`npm run dps-emulator`), so
 * that neither our engine nor the SDK script shares its event loop.
 */
export async function startEmulatorProcess(
  config: Record<string, unknown>,
  dataDir: string,
): Promise<EmulatorProcess> {
  mkdirSync(dataDir, { recursive: true });
  const configFile = path.join(dataDir, "emulator-config.json");
  writeFileSync(configFile, JSON.stringify(config));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "scripts/dps-emulator.ts",
      "--config",
      configFile,
      "--port",
      "0",
      "--data-dir",
      dataDir,
    ],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const [first] = (await Promise.race([once(lines, "line"), once(child, "exit").then(() => [null])])) as [
    string | null,
  ];
  if (!first) throw new Error("the DPS emulator exited before it was ready");
  const ready = JSON.parse(first) as {
    url: string;
    caFile: string;
    idScope: string;
    iotHub: EmulatorProcess["iotHub"];
  };
  const caPem = readFileSync(ready.caFile, "utf8");
  const fetchWithCa = createDpsFetch({ caPem });
  const fetchWithHubCa = createDpsFetch({ caPem: readFileSync(ready.iotHub.caFile, "utf8") });
  const groups = config.enrollmentGroups as { primaryKey: string }[];
  return {
    pid: child.pid!,
    url: ready.url,
    port: Number(new URL(ready.url).port),
    caFile: ready.caFile,
    caPem,
    idScope: ready.idScope,
    groupKey: groups[0]!.primaryKey,
    iotHub: ready.iotHub,
    hubAdmin: async <T>(method: string, route: string, body?: unknown) => {
      const response = await fetchWithHubCa(
        `https://localhost:${ready.iotHub.httpsPort}/_emulator/iot-hub/${route}`,
        {
          method,
          headers: { "Content-Type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        },
      );
      const text = await response.text();
      if (response.status < 200 || response.status >= 300)
        throw new Error(`IoT Hub admin ${method} ${route}: ${response.status} ${text}`);
      return JSON.parse(text) as T;
    },
    admin: async <T>(method: string, route: string, body?: unknown) => {
      const response = await fetchWithCa(`${ready.url}/_emulator/${route}`, {
        method,
        headers: { "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (response.status < 200 || response.status >= 300)
        throw new Error(`emulator admin ${method} ${route}: ${response.status} ${text}`);
      return JSON.parse(text) as T;
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

export function emulatorConfig(options: {
  groupKey: string;
  registrationsPerMinute: number;
  retryAfterSeconds: number;
}) {
  return {
    idScope: "0ne00BE4C11",
    linkedHubs: [
      {
        name: "bench-hub-1.azure-devices.net",
        allocationWeight: 1,
        applyAllocationPolicy: true,
        latencyMs: 30,
      },
      {
        name: "bench-hub-2.azure-devices.net",
        allocationWeight: 3,
        applyAllocationPolicy: true,
        latencyMs: 20,
      },
    ],
    enrollmentGroups: [
      {
        enrollmentGroupId: "bench-fleet",
        primaryKey: options.groupKey,
        secondaryKey: randomBytes(64).toString("base64"),
        allocationPolicy: "hashed",
        reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: true },
        provisioningStatus: "enabled",
      },
    ],
    retryAfterSeconds: options.retryAfterSeconds,
    assignmentDelayMs: 0,
    quotas: {
      registrationsPerMinute: options.registrationsPerMinute,
      operationsPerMinute: 0,
      pollsPer10sPerDevice: 5,
    },
  };
}
