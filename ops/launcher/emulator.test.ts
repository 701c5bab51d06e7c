import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { describe, expect, it } from "vitest";

import { startLocalDps } from "./emulator";

describe("the launcher's local DPS emulator", () => {
  it("writes connection.json with the IoT Hub block the hub check reads: address, ports, CA and each hub's connection strings", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "hic-launcher-emulator-"));
    const local = await startLocalDps(dataDir, () => {});
    try {
      const file = path.join(dataDir, "dps-emulator", "connection.json");
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const written = JSON.parse(await readFile(file, "utf8")) as { iotHub: Record<string, unknown> };
      expect(Object.keys(written.iotHub).sort()).toEqual([
        "address",
        "caFile",
        "httpsPort",
        "hubs",
        "mqttPort",
      ]);
      expect(written.iotHub).toMatchObject({
        address: "127.0.0.1",
        mqttPort: local.emulator.iotHub.connection.mqttPort,
        httpsPort: local.emulator.iotHub.connection.httpsPort,
        caFile: path.join(dataDir, "dps-emulator", "hub-ca.pem"),
      });
      const hubs = written.iotHub.hubs as Record<string, string>[];
      expect(hubs.map((hub) => hub.hostName)).toEqual([
        "hic-demo-hub-1.azure-devices.net",
        "hic-demo-hub-2.azure-devices.net",
      ]);
      for (const hub of hubs) {
        expect(Object.keys(hub).sort()).toEqual([
          "hostName",
          "ownerConnectionString",
          "registryReadConnectionString",
          "registryReadWriteConnectionString",
        ]);
        expect(hub.ownerConnectionString).toMatch(
          new RegExp(
            `^HostName=${hub.hostName!.replace(/\./g, "\\.")};SharedAccessKeyName=iothubowner;SharedAccessKey=[A-Za-z0-9+/]+=*$`,
          ),
        );
        expect(hub.registryReadConnectionString).toContain("SharedAccessKeyName=registryRead;");
        expect(hub.registryReadWriteConnectionString).toContain("SharedAccessKeyName=registryReadWrite;");
      }
    } finally {
      await local.emulator.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
