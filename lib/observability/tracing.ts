import { hostname } from "node:os";
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { env } from "@/lib/env";
import { withLogContext } from "./log-context";

/**
 * OpenTelemetry traces, exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set (off
 * otherwise: no provider is registered and every span below is a no-op). Next.js makes the spans of
 * a request and the route or server action it reaches on its own once a provider is registered;
 * this file adds the rest of the chain: the jobs a request queues carry its trace context in their
 * data (`traceparent`), the worker that runs a job continues that trace, and each DPS request is a
 * client span under it. README "Operating" says how to point it at a collector.
 */

const TRACER = "hyperscaler-integration-center";
const KEY = Symbol.for("hic.tracing");

export type Tracing = { shutdown: () => Promise<void> };

/** Registers the process's tracer provider when an endpoint is configured; once per process. */
export function startTracing(role: "web" | "worker"): Tracing | null {
  const endpoint = env().OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) return null;
  const holder = globalThis as unknown as Record<symbol, Tracing | undefined>;
  if (holder[KEY]) return holder[KEY];
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      "service.name": `hic-${role}`,
      "service.instance.id": `${hostname()}:${process.pid}`,
    }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, "")}/v1/traces` }), {
        scheduledDelayMillis: 1_000,
      }),
    ],
  });
  provider.register(); // AsyncLocalStorage context and W3C trace-context propagation, process-wide
  const tracing = { shutdown: () => provider.shutdown() };
  holder[KEY] = tracing;
  return tracing;
}

export function tracer() {
  return trace.getTracer(TRACER);
}

/** The job's data with the current trace context added (`traceparent`), so its worker continues the trace. */
export function withTraceContext<T extends object>(data: T): T {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? { ...data, traceparent: carrier.traceparent } : data;
}

/**
 * Runs a job's work in a span that continues the trace its data carries (a new one without), with
 * the job's ID on every log line it writes.
 */
export async function inJobSpan<T>(
  name: string,
  job: { id: string; data: object },
  attributes: Record<string, string | number>,
  work: () => Promise<T>,
): Promise<T> {
  const { traceparent } = job.data as { traceparent?: unknown };
  const parent =
    typeof traceparent === "string"
      ? propagation.extract(context.active(), { traceparent })
      : context.active();
  return withLogContext({ jobId: job.id }, () =>
    tracer().startActiveSpan(name, { kind: SpanKind.CONSUMER, attributes }, parent, (span) =>
      endWith(span, work),
    ),
  );
}

/** Runs `work` in a child span of the current one. */
export function inSpan<T>(
  name: string,
  kind: SpanKind,
  attributes: Record<string, string | number>,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(name, { kind, attributes }, (span) => endWith(span, () => work(span)));
}

/**
 * A server action's work in a span of its own (`action <intent>`), with its result: `ok` or
 * `refused` (a refusal the user sees: invalid input, no permission, a user-facing error). A redirect
 * (thrown by Next.js) ends the span as it is.
 */
export function inActionSpan<T extends { ok: boolean }>(intent: string, work: () => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(
    `action ${intent}`,
    { kind: SpanKind.INTERNAL, attributes: { "hic.action": intent } },
    async (span) => {
      try {
        const result = await work();
        span.setAttribute("hic.action.result", result.ok ? "ok" : "refused");
        return result;
      } finally {
        span.end();
      }
    },
  );
}

async function endWith<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : "failed",
    });
    throw error;
  } finally {
    span.end();
  }
}
