import { spawn } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";

import { afterAll, describe, expect, it } from "vitest";

import { CliUsageError, parseCliArgs } from "./cli-args";
import { makeDataDir, testConfig } from "@/tests/support/dps-emulator";

const repositoryRoot = path.resolve(import.meta.dirname, "../..");

/** In its own process group, so a signal reaches npx, tsx and the emulator alike, as Ctrl-C in a terminal does. */
function runCli(args: string[]) {
  return spawn("npx", ["tsx", "scripts/dps-emulator.ts", ...args], {
    cwd: repositoryRoot,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
}

function signalGroup(child: ReturnType<typeof spawn>, signal: NodeJS.Signals) {
  if (child.pid !== undefined) process.kill(-child.pid, signal);
}

function collect(stream: NodeJS.ReadableStream): () => string {
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
  return () => text;
}

/** Waits for `close`, not `exit`: the pipes close only once the emulator under npx and tsx has exited too. */
function exitOf(
  child: ReturnType<typeof spawn>,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
}

describe("command-line arguments", () => {
  it("reads the IoT Hub emulator's ports", () => {
    expect(parseCliArgs(["--hub-mqtt-port", "0", "--hub-https-port=9444"])).toMatchObject({
      hubMqttPort: 0,
      hubHttpsPort: 9444,
    });
    expect(() => parseCliArgs(["--hub-mqtt-port", "x"])).toThrow(/--hub-mqtt-port must be a number/);
  });

  it("reads --config, --port, --host and --data-dir in both spellings", () => {
    expect(parseCliArgs(["--config", "a.json", "--port=0", "--data-dir", "d", "--host=::1"])).toEqual({
      configFile: "a.json",
      port: 0,
      dataDir: "d",
      host: "::1",
      help: false,
    });
  });

  it.each([[["--port", "70000"]], [["--port"]], [["--verbose"]], [["--config", "--port", "1"]]])(
    "refuses %j",
    (argv) => {
      expect(() => parseCliArgs(argv)).toThrow(CliUsageError);
    },
  );
});

describe("dps-emulator CLI", () => {
  const dataDirs: string[] = [];
  const running: ReturnType<typeof spawn>[] = [];
  afterAll(async () => {
    for (const child of running)
      if (child.exitCode === null && child.signalCode === null) signalGroup(child, "SIGKILL");
    await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it("prints one ready line with url, CA file, ID scope and the IoT Hub's ports, then stops on SIGTERM", async () => {
    const dataDir = await makeDataDir();
    dataDirs.push(dataDir);
    const child = runCli(["--port", "0", "--data-dir", dataDir]);
    running.push(child);
    const exited = exitOf(child);
    const stderr = collect(child.stderr);
    const firstLine = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once("line", resolve);
      child.once("exit", () => reject(new Error(`CLI exited before it was ready: ${stderr()}`)));
    });

    const ready = JSON.parse(firstLine) as Record<string, string> & {
      iotHub: { address: string; mqttPort: number; httpsPort: number; caFile: string };
    };
    expect(Object.keys(ready)).toEqual(["event", "url", "caFile", "idScope", "iotHub"]);
    expect(ready.iotHub).toEqual({
      address: "127.0.0.1",
      mqttPort: expect.any(Number),
      httpsPort: expect.any(Number),
      caFile: path.join(dataDir, "hub-ca.pem"),
    });
    expect(ready.event).toBe("ready");
    expect(ready.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.caFile).toBe(path.join(dataDir, "ca.pem"));
    expect(ready.idScope).toBe("0ne000DE401");

    // npx does not pass SIGTERM on to its child (its `sh -c` drops it), so the whole group is signalled.
    signalGroup(child, "SIGTERM");
    const { code, signal } = await exited;
    expect(code === 0 || code === 143 || signal === "SIGTERM").toBe(true);
    expect(stderr()).toContain("SIGTERM: saving registrations and stopping");
  }, 60_000);

  it("exits 2 with one line naming the field for an invalid config file", async () => {
    const dataDir = await makeDataDir();
    dataDirs.push(dataDir);
    const configFile = path.join(dataDir, "bad.json");
    await writeFile(
      configFile,
      JSON.stringify({
        ...testConfig(),
        linkedHubs: [{ name: "hub-a.azure-devices.net", allocationWeight: 0 }],
      }),
    );
    const child = runCli(["--config", configFile, "--data-dir", dataDir]);
    const stderr = collect(child.stderr);

    const { code } = await exitOf(child);

    expect(code).toBe(2);
    expect(stderr().trim().split("\n")).toEqual([
      "dps-emulator: config: linkedHubs[0].allocationWeight: must be 1 to 1000",
    ]);
  }, 60_000);

  it("exits 2 with one line for an unknown argument", async () => {
    const child = runCli(["--bogus"]);
    const stderr = collect(child.stderr);
    const { code } = await exitOf(child);
    expect(code).toBe(2);
    expect(stderr().trim().split("\n")).toHaveLength(1);
    expect(stderr()).toContain('unknown argument "--bogus"');
  }, 60_000);
});
