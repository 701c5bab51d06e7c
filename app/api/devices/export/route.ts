import { exportDevices } from "@/lib/devices/devices-dal";
import { deviceFilterSchema } from "@/lib/validation/device";
import { routeError } from "@/lib/errors";

/** Exports the devices matching the page's current filter, streamed as CSV. */
export async function GET(request: Request) {
  const filter = deviceFilterSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  try {
    const chunks = await exportDevices(filter);
    const encoder = new TextEncoder();
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
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
    return new Response(body, {
      headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="devices-${stamp}.csv"`, "Cache-Control": "no-store" },
    });
  } catch (error) {
    return routeError(error, "devices.export");
  }
}
