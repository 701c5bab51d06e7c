import pino from "pino";
import { env } from "./env";
import { logFields } from "./observability/log-context";

// A bad configuration is reported, with every bad variable, by the start-up code's own env() call;
// the logger must not turn it into a crash of whichever module happens to import it first.
function logLevel(): string {
  try {
    return env().LOG_LEVEL;
  } catch {
    return "info";
  }
}

/**
 * Structured logs on stdout, one JSON object a line; each line of a request or a job carries its
 * `requestId` or `jobId` and, with tracing on, `traceId`/`spanId` (./observability/log-context.ts).
 * Keys and tokens are redacted by path as a second line of defence: no code logs them.
 */
export const logger = pino({
  level: logLevel(),
  mixin: logFields,
  redact: {
    paths: [
      "*.password",
      "*.primaryKey",
      "*.secondaryKey",
      "*.groupKey",
      "*.deviceKey",
      "*.authorization",
      "*.sas",
      "*.token",
      "*.secret",
      "*.cookie",
      "*.traceparent",
    ],
    censor: "[redacted]",
  },
});
