import { getImportReport } from "@/lib/devices/devices-dal";
import { routeError } from "@/lib/errors";

/** The per-line report of one import, streamed chunk by chunk (a million-line report is never held whole). */
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!/^\d{1,15}$/.test(id)) return Response.json({ ok: false, message: "No such import." }, { status: 404 });
  try {
    const report = await getImportReport(Number(id));
    if (!report) return Response.json({ ok: false, message: "No such import." }, { status: 404 });
    const encoder = new TextEncoder();
    const { chunks } = report;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      },
      async cancel() {
        await chunks.return(undefined);
      },
    });
    return new Response(body, {
      headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="import-${id}-report.csv"`, "Cache-Control": "no-store" },
    });
  } catch (error) {
    return routeError(error, "devices.import-report");
  }
}
