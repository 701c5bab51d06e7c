import { getImportReport } from "@/lib/devices/device-transfer-dal";
import { routeError } from "@/lib/errors";
import { csvDownload } from "@/lib/csv-response";

/** The per-line report of one import, streamed chunk by chunk (a million-line report is never held whole). */
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!/^\d{1,15}$/.test(id))
    return Response.json({ ok: false, message: "No such import." }, { status: 404 });
  try {
    const report = await getImportReport(Number(id));
    if (!report) return Response.json({ ok: false, message: "No such import." }, { status: 404 });
    return csvDownload(report.chunks, `import-${id}-report.csv`);
  } catch (error) {
    return routeError(error, "devices.import-report");
  }
}
