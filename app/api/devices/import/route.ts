import { importDevices } from "@/lib/devices/device-transfer-dal";
import { ImportStopped, type ImportStopReason } from "@/lib/devices/csv-import";
import { ImportBusy } from "@/lib/devices/csv-import-slots";
import { env } from "@/lib/env";
import { isSameOrigin, routeError } from "@/lib/errors";
import { serverStoppingSignal } from "@/ops/runtime/server-stopping";

// proxy.ts leaves this route alone (its matcher excludes it): Next.js would otherwise buffer the
// body for the proxy and cut it at 10 MB. The body streams from the socket straight into the parser.

const STOP_STATUS: Record<ImportStopReason, number> = {
  "too-large": 413,
  "too-many-rows": 413,
  "line-too-long": 400,
  "upload-incomplete": 400,
  "client-gone": 400,
  "server-stopping": 503,
  "upload-stalled": 408,
};

/** The browser's file name, for the report and the audit log: decoded if it can be, without control characters, bounded. */
function fileNameFrom(request: Request): string | null {
  const header = request.headers.get("x-file-name");
  if (!header) return null;
  let name: string;
  try {
    name = decodeURIComponent(header);
  } catch {
    name = header;
  }
  return name.replace(/[\u0000-\u001f\u007f]/g, "").slice(0, 255) || null;
}

/** The CSV arrives as the raw request body and is parsed as it streams in, never held whole in memory. */
export async function POST(request: Request) {
  if (!isSameOrigin(request))
    return Response.json({ ok: false, message: "Cross-site request refused." }, { status: 403 });
  const lengthHeader = request.headers.get("content-length");
  if (lengthHeader !== null && !/^\d{1,15}$/.test(lengthHeader))
    return Response.json({ ok: false, message: "Bad Content-Length." }, { status: 400 });
  if (!request.body)
    return Response.json({ ok: false, message: "Choose a CSV file to import." }, { status: 400 });
  const stopping = serverStoppingSignal();
  const signal = stopping ? AbortSignal.any([request.signal, stopping]) : request.signal;
  try {
    const summary = await importDevices(
      request.body as unknown as AsyncIterable<Uint8Array>,
      fileNameFrom(request),
      {
        maxBytes: env().HIC_IMPORT_MAX_BYTES,
        expectedBytes: lengthHeader === null ? null : Number(lengthHeader),
        signal,
        idleMs: env().HIC_IMPORT_IDLE_MS,
      },
    );
    if (summary.status === "complete") return Response.json({ ok: true, summary });
    const added = `${summary.added.toLocaleString("en")} device${summary.added === 1 ? " was" : "s were"} added from the first ${summary.total.toLocaleString("en")} lines (see the report).`;
    // The rest of the upload was not read: the connection cannot carry another request after it.
    return Response.json(
      { ok: false, message: `${summary.stopMessage} ${added}`, summary },
      { status: STOP_STATUS[summary.stopReason ?? "client-gone"], headers: { Connection: "close" } },
    );
  } catch (error) {
    if (error instanceof ImportBusy) {
      // The body was not read: the connection cannot carry another request after it.
      return Response.json(
        { ok: false, message: error.message },
        {
          status: 429,
          headers: { "Retry-After": String(error.refusal.retryAfterSeconds), Connection: "close" },
        },
      );
    }
    if (error instanceof ImportStopped) {
      return Response.json(
        { ok: false, message: `${error.message} No devices were added.` },
        { status: STOP_STATUS[error.reason], headers: { Connection: "close" } },
      );
    }
    return routeError(error, "devices.import");
  }
}
