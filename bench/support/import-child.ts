import { createReadStream } from "node:fs";
import { importDevicesCsv } from "@/lib/devices/csv-import";
import { closeDb } from "@/db/client";

async function main() {
  const started = performance.now();
  const summary = await importDevicesCsv(createReadStream(process.argv[2]!), { fileName: "bench.csv", actor: null });
  const seconds = (performance.now() - started) / 1000;
  await closeDb();
  // ru_maxrss is in KiB on Linux.
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(JSON.stringify({ seconds: Math.round(seconds * 100) / 100, peakRssMb, added: summary.added }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
