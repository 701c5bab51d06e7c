/**
 * `npm run devices:import -- FILE [--report OUT.csv]`: the UI's CSV import for automation. Same code path
 * (streamed, batched, per-line report); provisioning is queued when Azure DPS is connected.
 * Exit codes: 0 all lines added or skipped as duplicates, 1 some lines refused, 2 bad usage or file
 * (including a file that stops being readable part-way: the lines before are in the report).
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { setEnv } from "@/lib/env";
import { resolveDataDir, prepareDataDir } from "@/ops/runtime/data-dir";
import { connectDatabase } from "@/ops/launcher/database";
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { closeDb } from "@/lib/database";
import {
  importDevicesCsv,
  ImportFormatError,
  importReportChunks,
  ImportStopped,
} from "@/lib/devices/csv-import";
import { recordAudit } from "@/lib/audit/record";
import { loadDpsCredentials } from "@/lib/integrations/azure-dps/credentials";
import { enqueueProvisioning } from "@/lib/provisioning";

class UsageError extends Error {}

async function main() {
  const { positionals, values } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { report: { type: "string" } },
  });
  const file = positionals[0];
  if (!file || positionals.length > 1)
    throw new UsageError("usage: npm run devices:import -- FILE.csv [--report REPORT.csv]");
  if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`${file}: no such file`);

  const database = await connectDatabase({ dataDir: prepareDataDir(resolveDataDir()), log: () => {} });
  setEnv({ DATABASE_URL: database.url });
  try {
    const summary = await importDevicesCsv(createReadStream(file), {
      fileName: path.basename(file),
      actor: null,
    });
    await recordAudit({
      action: "devices.import",
      target: path.basename(file),
      outcome: summary.status === "complete" ? "success" : "failure",
      detail: {
        via: "cli",
        importId: summary.importId,
        status: summary.status,
        stopReason: summary.stopReason,
        total: summary.total,
        added: summary.added,
      },
    });
    if (summary.stopMessage) console.error(`error: ${summary.stopMessage}`);
    let queued = 0;
    if (summary.addedDeviceIds.length && (await loadDpsCredentials())) {
      queued = (
        await enqueueProvisioning({ deviceIds: summary.addedDeviceIds }, { trigger: "import", actor: null })
      ).queued;
    }
    console.log(
      `${summary.total} lines: ${summary.added} added, ${summary.duplicates} skipped as duplicates, ${summary.refused} refused${queued ? `; ${queued} queued for provisioning` : ""}.`,
    );
    for (const p of summary.problems.filter((l) => l.result === "refused").slice(0, 20))
      console.log(`line ${p.line}: ${p.registrationId || "(empty)"}: ${p.reason}`);
    if (values.report) {
      const out = createWriteStream(values.report);
      for await (const chunk of importReportChunks(summary.importId))
        if (!out.write(chunk)) await once(out, "drain");
      out.end();
      await once(out, "finish");
      console.log(`Per-line report written to ${values.report}.`);
    }
    process.exitCode = summary.status !== "complete" ? 2 : summary.refused > 0 ? 1 : 0;
  } finally {
    await closeDb();
    await database.stop();
  }
}

main().catch((error: unknown) => {
  const usage =
    error instanceof UsageError ||
    error instanceof ImportFormatError ||
    error instanceof ImportStopped ||
    (error as { code?: string })?.code?.startsWith("ERR_PARSE_ARGS");
  console.error(`error: ${(error as Error)?.message ?? String(error)}`);
  process.exit(usage ? 2 : 1);
});
