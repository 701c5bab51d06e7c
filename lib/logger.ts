import pino from "pino";
import { env } from "./env";

// A bad configuration is reported, with every bad variable, by the start-up code's own env() call;
// the logger must not turn it into a crash of whichever module happens to import it first.
function logLevel(): string {
  try {
    return env().LOG_LEVEL;
  } catch {
    return "info";
  }
}

/** Structured logs on stdout. Keys and tokens are redacted by path as a second line of defence. */
export const logger = pino({
  level: logLevel(),
  redact: {
    paths: [
      "*.password",
      "*.primaryKey",
      "*.secondaryKey",
      "*.groupKey",
      "*.deviceKey",
      "*.authorization",
      "*.sas",
    ],
    censor: "[redacted]",
  },
});
