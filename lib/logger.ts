import pino from "pino";

/** Structured logs on stdout. Keys and tokens are redacted by path as a second line of defence. */
export const logger = pino({
  level: process.env.LOG_LEVEL || "info",
  redact: { paths: ["*.password", "*.primaryKey", "*.secondaryKey", "*.groupKey", "*.deviceKey", "*.authorization", "*.sas"], censor: "[redacted]" },
});
