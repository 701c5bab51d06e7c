/**
 * Measures how many register-and-poll cycles per second the emulator serves. The emulator runs in its
 * own process (started through the CLI, as users run it) so the load generator does not steal its
 * event loop; its CPU use is reported so a saturated client is not mistaken for the server's limit.
 *
 *   npx tsx emulators/dps/benchmark.ts [--concurrency 64] [--seconds 10] [--devices 5000]
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";

import { Pool } from "undici";

import { deriveDeviceKey } from "@/lib/dps/derive-device-key";
import { createSasToken } from "@/lib/dps/sas";

const GROUP_KEY = Buffer.alloc(64, 42).toString("base64");
const ID_SCOPE = "0ne00BE4C00";

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? undefined : Number(process.argv[index + 1]);
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]?.split(" ") ?? [];
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function main(): Promise<void> {
  const concurrency = option("concurrency", 64);
  const seconds = option("seconds", 10);
  const deviceCount = option("devices", 5000);
  const dataDir = await mkdtemp(path.join(tmpdir(), "dps-emulator-bench-"));
  const configFile = path.join(dataDir, "bench-config.json");
  await writeFile(
    configFile,
    JSON.stringify({
      idScope: ID_SCOPE,
      linkedHubs: [
        { name: "bench-hub-1.azure-devices.net", allocationWeight: 1 },
        { name: "bench-hub-2.azure-devices.net", allocationWeight: 3 },
      ],
      enrollmentGroups: [{ enrollmentGroupId: "bench", primaryKey: GROUP_KEY, secondaryKey: GROUP_KEY }],
      retryAfterSeconds: 0,
      assignmentDelayMs: 0,
      quotas: { registrationsPerMinute: 0, operationsPerMinute: 0, pollsPer10sPerDevice: 0 },
    }),
  );

  // Run the emulator's own node process (not npx/npm), so /proc CPU figures are the server's alone.
  const tsxCli = path.resolve("node_modules/tsx/dist/cli.mjs");
  const emulator = spawn(
    process.execPath,
    [tsxCli, "scripts/dps-emulator.ts", "--config", configFile, "--port", "0", "--data-dir", dataDir],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const ready = JSON.parse(
    await new Promise<string>((resolve) => createInterface({ input: emulator.stdout }).once("line", resolve)),
  ) as {
    url: string;
    caFile: string;
  };
  if (emulator.pid === undefined) throw new Error("the emulator did not start");
  // tsx runs the script in a child process; that child is the server.
  const tsxPid = emulator.pid;
  const serverPid =
    Number((await readFile(`/proc/${tsxPid}/task/${tsxPid}/children`, "utf8")).trim().split(" ")[0]) ||
    tsxPid;
  const ca = await readFile(ready.caFile, "utf8");
  const pool = new Pool(ready.url, { connections: concurrency, connect: { ca } });

  const expiry = Math.floor(Date.now() / 1000) + 3600;
  const devices = Array.from({ length: deviceCount }, (_, index) => {
    const registrationId = `bench-${index}`;
    const token = createSasToken(
      ID_SCOPE,
      registrationId,
      deriveDeviceKey(GROUP_KEY, registrationId),
      expiry,
    );
    return { registrationId, body: JSON.stringify({ registrationId }), token };
  });
  const headers = (token: string) => ({
    authorization: token,
    "content-type": "application/json; charset=utf-8",
    accept: "application/json",
  });

  let cycles = 0;
  let errors = 0;
  let measuring = false;
  let stop = false;
  let next = 0;
  async function worker(): Promise<void> {
    while (!stop) {
      const device = devices[next++ % devices.length];
      if (device === undefined) continue;
      const base = `/${ID_SCOPE}/registrations/${device.registrationId}`;
      const put = await pool.request({
        method: "PUT",
        path: `${base}/register?api-version=2021-10-01`,
        headers: headers(device.token),
        body: device.body,
      });
      const { operationId } = (await put.body.json()) as { operationId: string };
      const get = await pool.request({
        method: "GET",
        path: `${base}/operations/${operationId}?api-version=2021-10-01`,
        headers: headers(device.token),
      });
      const result = (await get.body.json()) as { status?: string };
      if (put.statusCode !== 202 || get.statusCode !== 200 || result.status !== "assigned") errors += 1;
      else if (measuring) cycles += 1;
    }
  }

  const workers = Array.from({ length: concurrency }, () => worker());
  await new Promise((resolve) => setTimeout(resolve, 2000));
  measuring = true;
  const cpuBefore = await cpuSeconds(serverPid);
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const elapsed = (performance.now() - started) / 1000;
  const measured = cycles;
  const cpuAfter = await cpuSeconds(serverPid);
  stop = true;
  await Promise.all(workers);
  await pool.close();

  const cyclesPerSecond = measured / elapsed;
  process.stdout.write(
    `${JSON.stringify({
      concurrency,
      seconds: Number(elapsed.toFixed(1)),
      cycles: measured,
      cyclesPerSecond: Math.round(cyclesPerSecond),
      requestsPerSecond: Math.round(cyclesPerSecond * 2),
      serverCpuPercent: Math.round(((cpuAfter - cpuBefore) / elapsed) * 100),
      errors,
    })}\n`,
  );
  emulator.kill("SIGTERM");
  await new Promise((resolve) => emulator.once("exit", resolve));
  await rm(dataDir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
