import { Readable } from "node:stream";
import type { ReadableStream as NodeWebReadableStream } from "node:stream/web";
import { importDevices } from "@/lib/devices/devices-dal";
import { isSameOrigin, routeError } from "@/lib/errors";

/** The CSV arrives as the raw request body and is parsed as it streams in, never held whole in memory. */
export async function POST(request: Request) {
  if (!isSameOrigin(request)) return Response.json({ ok: false, message: "Cross-site request refused." }, { status: 403 });
  if (!request.body) return Response.json({ ok: false, message: "Choose a CSV file to import." }, { status: 400 });
  const fileName = request.headers.get("x-file-name")?.slice(0, 255) ?? null;
  try {
    const summary = await importDevices(Readable.fromWeb(request.body as NodeWebReadableStream<Uint8Array>), fileName ? decodeURIComponent(fileName) : null);
    return Response.json({ ok: true, summary });
  } catch (error) {
    return routeError(error, "devices.import");
  }
}
