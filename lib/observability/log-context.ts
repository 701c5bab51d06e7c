import { AsyncLocalStorage } from "node:async_hooks";
import { trace } from "@opentelemetry/api";

/**
 * What every log line of a request or a job carries: the request's ID (set by the production web
 * server, scripts/web-server.mjs, which answers it in `X-Request-Id`) or the pg-boss job's ID, and
 * the trace's ID when tracing is on. One AsyncLocalStorage per process, on `globalThis`, because
 * the web server outside Next.js's bundle and the app inside it must share it.
 */
export type LogContext = { requestId?: string; jobId?: string };

const KEY = Symbol.for("hic.logContext");

function storage(): AsyncLocalStorage<LogContext> {
  const holder = globalThis as unknown as Record<symbol, AsyncLocalStorage<LogContext> | undefined>;
  return (holder[KEY] ??= new AsyncLocalStorage<LogContext>());
}

export function withLogContext<T>(context: LogContext, work: () => T): T {
  return storage().run({ ...storage().getStore(), ...context }, work);
}

const NO_TRACE = "00000000000000000000000000000000";

/** The fields pino adds to each line (lib/logger.ts's mixin). */
export function logFields(): LogContext & { traceId?: string; spanId?: string } {
  const fields: LogContext & { traceId?: string; spanId?: string } = { ...storage().getStore() };
  const span = trace.getActiveSpan()?.spanContext();
  if (span && span.traceId !== NO_TRACE) {
    fields.traceId = span.traceId;
    fields.spanId = span.spanId;
  }
  return fields;
}
