import { copyFile, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { startDpsEmulator } from "./index";
import {
  fleetToken,
  makeDataDir,
  rawRequest,
  registerAndWait,
  startTestEmulator,
  statusPath,
  testConfig,
} from "@/tests/support/dps-emulator";

describe("persistence across restarts", () => {
  const dataDirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it("keeps registration records and the CA when restarted on the same data directory", async () => {
    const dataDir = await makeDataDir();
    dataDirs.push(dataDir);
    const first = await startDpsEmulator({ config: testConfig(), port: 0, dataDir });
    const registered = await registerAndWait(first, "persistent-device", fleetToken("persistent-device"));
    const caPem = first.caPem;
    await first.stop();

    const saved = JSON.parse(await readFile(path.join(dataDir, "registrations.json"), "utf8")) as {
      registrations: unknown[];
    };
    expect(saved.registrations).toHaveLength(1);
    expect((await stat(path.join(dataDir, "ca-key.pem"))).mode & 0o777).toBe(0o600);

    const second = await startDpsEmulator({ config: testConfig(), port: 0, dataDir });
    try {
      expect(second.caPem).toBe(caPem);
      expect(await readFile(second.caFile, "utf8")).toBe(caPem);
      // A client that trusted the first run's CA still connects.
      const status = await rawRequest({ url: second.url, caPem }, "POST", statusPath("persistent-device"), {
        token: fleetToken("persistent-device"),
        body: { registrationId: "persistent-device" },
      });
      expect(status.json).toEqual(registered.registrationState);
      const again = await registerAndWait(second, "persistent-device", fleetToken("persistent-device"));
      expect(again.registrationState).toMatchObject({ substatus: "reprovisionedToInitialAssignment" });
    } finally {
      await second.stop();
    }
  });

  it("replaces a CA whose key file does not belong to it", async () => {
    const [dataDir, otherDir] = [await makeDataDir(), await makeDataDir()];
    dataDirs.push(dataDir, otherDir);
    const first = await startDpsEmulator({ config: testConfig(), port: 0, dataDir });
    await first.stop();
    const other = await startDpsEmulator({ config: testConfig(), port: 0, dataDir: otherDir });
    await other.stop();
    await copyFile(path.join(otherDir, "ca-key.pem"), path.join(dataDir, "ca-key.pem"));

    const second = await startDpsEmulator({ config: testConfig(), port: 0, dataDir });
    try {
      expect(second.caPem).not.toBe(first.caPem);
      expect((await rawRequest(second, "GET", "/_emulator/counters")).status).toBe(200);
    } finally {
      await second.stop();
    }
  });

  it("generates the demo group keys once and reuses them", async () => {
    const dataDir = await makeDataDir();
    dataDirs.push(dataDir);
    const first = await startDpsEmulator({ port: 0, dataDir });
    const keys = first.config.enrollmentGroups.map((group) => [group.primaryKey, group.secondaryKey]);
    expect(first.config.linkedHubs.map((hub) => hub.allocationWeight)).toEqual([1, 3]);
    expect(first.config.retryAfterSeconds).toBeLessThanOrEqual(2);
    await first.stop();

    const second = await startDpsEmulator({ port: 0, dataDir });
    await second.stop();
    expect(second.config.enrollmentGroups.map((group) => [group.primaryKey, group.secondaryKey])).toEqual(
      keys,
    );
    expect((await stat(path.join(dataDir, "demo-group-keys.json"))).mode & 0o777).toBe(0o600);
  });

  it("refuses an invalid configuration at start with the field and the reason", async () => {
    const emulatorStart = startTestEmulator({ ...testConfig(), retryAfterSeconds: -1 });
    await expect(emulatorStart).rejects.toThrow("config: retryAfterSeconds: must be 0 to 300");
  });
});
