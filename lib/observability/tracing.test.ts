import http from "node:http";
import type { AddressInfo } from "node:net";
import type { ChildProcess } from "node:child_process";
import { context, SpanKind, trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setEnv } from "@/lib/env";
import { importDevicesCsv } from "@/lib/devices/csv-import";
import { enqueueProvisioning, shutdownProvisioning } from "@/lib/provisioning";
import type { TestEmulator } from "@/tests/support/dps-emulator";
import {
  connectDps,
  countByStatus,
  exited,
  spawnWorker,
  startEmulatorAndEngine,
  waitFor,
} from "@/tests/support/provisioning";
import { startTracing, tracer, type Tracing } from "./tracing";

/** A span as an OTLP/HTTP JSON export carries it, with the service that sent it. */
type ReceivedSpan = {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  attributes: Record<string, unknown>;
};

/** An in-memory OTLP/HTTP receiver: accepts POST /v1/traces (JSON) and keeps the spans. */
async function startReceiver() {
  const spans: ReceivedSpan[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      if (
        req.method !== "POST" ||
        req.url !== "/v1/traces" ||
        !/json/.test(req.headers["content-type"] ?? "")
      ) {
        res.writeHead(415).end();
        return;
      }
      type Attr = { key: string; value: Record<string, unknown> };
      const flat = (list: Attr[] = []) =>
        Object.fromEntries(list.map((a) => [a.key, Object.values(a.value)[0]]));
      const payload = JSON.parse(body) as {
        resourceSpans: {
          resource: { attributes: Attr[] };
          scopeSpans: {
            spans: {
              traceId: string;
              spanId: string;
              parentSpanId?: string;
              name: string;
              attributes: Attr[];
            }[];
          }[];
        }[];
      };
      for (const resource of payload.resourceSpans) {
        const service = String(flat(resource.resource.attributes)["service.name"]);
        for (const scope of resource.scopeSpans)
          for (const span of scope.spans)
            spans.push({
              service,
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId ?? "",
              name: span.name,
              attributes: flat(span.attributes),
            });
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let emulator: TestEmulator;
let tracing: Tracing | null;
let worker: ChildProcess | null = null;

beforeAll(async () => {
  receiver = await startReceiver();
  setEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
  tracing = startTracing("web");
  emulator = await startEmulatorAndEngine({ retryAfterSeconds: 1 });
});

afterAll(async () => {
  if (worker) {
    worker.kill("SIGTERM");
    await exited(worker);
  }
  await shutdownProvisioning();
  await tracing?.shutdown();
  await emulator?.dispose();
  await receiver?.close();
});

describe("a trace through an import", () => {
  it(
    "joins the import request, the jobs it queued (run by another process) and their DPS calls",
    { timeout: 90_000 },
    async () => {
      expect(tracing).not.toBeNull();
      await connectDps(emulator);
      // What the import route does under the request span Next.js opens for it.
      const csv = ["registrationId,name,payload", "trace-a,A,", "trace-b,B,", "trace-c,C,"].join("\n");
      const requestSpan = tracer().startSpan("POST /api/devices/import", { kind: SpanKind.SERVER });
      const traceId = requestSpan.spanContext().traceId;
      await context.with(trace.setSpan(context.active(), requestSpan), async () => {
        const summary = await importDevicesCsv(
          (async function* () {
            yield Buffer.from(csv);
          })(),
          { fileName: "trace.csv", actor: null },
        );
        expect(summary.added).toBe(3);
        await enqueueProvisioning({ deviceIds: summary.addedDeviceIds }, { trigger: "import", actor: null });
      });
      requestSpan.end();

      // A separate worker process, exporting to the same receiver, picks the jobs up.
      worker = spawnWorker(emulator, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
      await waitFor(
        countByStatus,
        (counts) => counts.assigned === 3,
        60_000,
        "the three devices to be assigned",
      );

      const inTrace = await waitFor(
        async () => receiver.spans.filter((span) => span.traceId === traceId),
        (spans) =>
          spans.filter((s) => s.name === "provision device").length === 3 &&
          spans.filter((s) => s.name === "DPS register").length >= 3 &&
          spans.some((s) => s.name === "POST /api/devices/import"),
        20_000,
        "the request, job and DPS spans to arrive",
      );
      const request = inTrace.find((s) => s.name === "POST /api/devices/import")!;
      expect(request.service).toBe("hic-web");
      const jobs = inTrace.filter((s) => s.name === "provision device");
      for (const job of jobs) {
        expect(job.service).toBe("hic-worker");
        expect(job.parentSpanId).toBe(request.spanId);
        const calls = inTrace.filter((s) => s.parentSpanId === job.spanId && s.name.startsWith("DPS "));
        expect(calls.map((s) => s.name)).toContain("DPS register");
        for (const call of calls) expect(call.attributes["hic.dps.outcome"]).toBe("2xx");
      }
      // Spans name operations, never a device's registration ID or a key.
      const everything = JSON.stringify(receiver.spans);
      expect(everything).not.toMatch(/trace-[abc]/);
      expect(everything).not.toContain("SharedAccessSignature");
    },
  );
});
