import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import path from "node:path";
import { once } from "node:events";
import type { BenchResult } from "../support/result";

async function writeCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  out.write("registrationId,name,payload\n");
  for (let i = 0; i < rows; i++) {
    const line = `import-${String(i).padStart(7, "0")},Imported device ${i},${i % 10 === 0 ? '"{""site"":""berlin""}"' : ""}\n`;
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

/** Runs the UI's import code path in its own process, so its peak RSS is the import's alone. */
export async function csvImportScenario(options: { databaseUrl: string; rows: number; workDir: string }): Promise<BenchResult> {
  const file = path.join(options.workDir, "devices.csv");
  await writeCsv(file, options.rows);
  const child = spawn(process.execPath, ["--import", "tsx", "bench/support/import-child.ts", file], {
    env: { ...process.env, DATABASE_URL: options.databaseUrl },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  const [code] = (await once(child, "exit")) as [number];
  if (code !== 0) throw new Error(`the import process exited with ${code}`);
  const measured = JSON.parse(output.trim().split("\n").at(-1)!) as { seconds: number; peakRssMb: number; added: number };
  return {
    scenario: "CSV import",
    setup: `${options.rows.toLocaleString("en")} rows (registrationId,name,payload), streamed through importDevicesCsv (the UI's code path), empty table`,
    metrics: { seconds: measured.seconds, "peak RSS MB": measured.peakRssMb, added: measured.added, "rows/s": Math.round(measured.added / measured.seconds) },
    target: "<= 30 s and <= 300 MB",
    met: measured.seconds <= 30 && measured.peakRssMb <= 300 && measured.added === options.rows,
  };
}
