import { diagnosticBundle, TroubleshootLimitError } from "@/lib/hubs/troubleshoot/troubleshoot-dal";
import { isSameOrigin, routeError } from "@/lib/errors";

/**
 * The troubleshooter's diagnostic bundle as a JSON download. A POST (from the device page's form),
 * because each one runs the chain again, a live hub connection included: a link another site could
 * make a browser follow must not set that off.
 */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  if (!isSameOrigin(request))
    return Response.json({ ok: false, message: "Cross-site request refused." }, { status: 403 });
  const { id } = await params;
  if (!/^\d{1,15}$/.test(id))
    return Response.json({ ok: false, message: "No such device." }, { status: 404 });
  try {
    const bundle = await diagnosticBundle(Number(id));
    if (!bundle) return Response.json({ ok: false, message: "No such device." }, { status: 404 });
    return new Response(bundle.json, {
      headers: {
        "Content-Type": "application/json; charset=utf-8",
        "Content-Disposition": `attachment; filename="${bundle.fileName}"`,
        "Cache-Control": "no-store",
      },
    });
  } catch (error) {
    if (error instanceof TroubleshootLimitError)
      return Response.json(
        { ok: false, message: error.message },
        { status: 429, headers: { "Retry-After": "60" } },
      );
    return routeError(error, "devices.diagnostics");
  }
}
