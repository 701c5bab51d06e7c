import { getImportReport } from "@/lib/devices/devices-dal";
import { routeError } from "@/lib/errors";

export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!/^\d{1,15}$/.test(id)) return Response.json({ ok: false, message: "No such import." }, { status: 404 });
  try {
    const report = await getImportReport(Number(id));
    if (!report) return Response.json({ ok: false, message: "No such import." }, { status: 404 });
    return new Response(report.csv, {
      headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="import-${id}-report.csv"` },
    });
  } catch (error) {
    return routeError(error, "devices.import-report");
  }
}
