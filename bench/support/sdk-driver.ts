/**
 * The obvious alternative to our engine: a script that drives the official Azure IoT Node SDK
 * (`azure-iot-provisioning-device` over HTTP with symmetric keys) for N devices at concurrency C.
 *   node --import tsx bench/support/sdk-driver.ts '{"port":…,"caFile":…,"idScope":…,"groupKey":…,"prefix":…,"count":…,"concurrency":…}'
 * Prints one JSON line: {"seconds":…,"assigned":…,"failed":…}.
 */
import { readFileSync } from "node:fs";
import { deriveDeviceKey } from "@/lib/dps/derive-device-key";
import { officialSdkClient } from "@/emulators/dps/official-sdk-client";

type Options = {
  port: number;
  caFile: string;
  idScope: string;
  groupKey: string;
  prefix: string;
  count: number;
  concurrency: number;
};

async function main() {
  const options = JSON.parse(process.argv[2]!) as Options;
  const ca = readFileSync(options.caFile, "utf8");
  let next = 0;
  let assigned = 0;
  let failed = 0;
  const registerOne = async (registrationId: string) => {
    const deviceKey = deriveDeviceKey(options.groupKey, registrationId);
    const client = officialSdkClient({
      host: "localhost",
      port: options.port,
      caPem: ca,
      idScope: options.idScope,
      registrationId,
      deviceKey,
    });
    const result = await client.register();
    if (result?.status === "assigned") assigned++;
    else failed++;
  };
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < options.count) {
        const index = ++next;
        await registerOne(`${options.prefix}${String(index).padStart(6, "0")}`).catch(() => failed++);
      }
    }),
  );
  console.log(JSON.stringify({ seconds: (performance.now() - started) / 1000, assigned, failed }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
