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
import { startOtlpReceiver, type OtlpReceiver } from "@/tests/support/otlp-receiver";
import { startTracing, tracer, type Tracing } from "./tracing";

let receiver: OtlpReceiver;
let emulator: TestEmulator;
let tracing: Tracing | null;
let worker: ChildProcess | null = null;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
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
