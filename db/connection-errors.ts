/**
 * Telling "the database is away" (stopped, restarting, unreachable, connection cut) from every
 * other database error. The first heals by itself, so callers wait and try again (the engine) or
 * say so in plain words (pages, actions); the second is a bug or a refusal and is reported as such.
 */

/** Socket-level failures while connecting or on an open connection. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNABORTED",
]);

/**
 * SQLSTATEs of a server going away or not accepting connections yet: class 08 (connection
 * exception), 57P01-57P03 (terminated by an administrator, crash shutdown, "the database system is
 * starting up / shutting down"), 53300 (too many connections, a restart's stampede).
 */
function isConnectionSqlState(code: string): boolean {
  return (
    code.startsWith("08") || code === "57P01" || code === "57P02" || code === "57P03" || code === "53300"
  );
}

/** pg's own messages for a connection that ended under a query, or never came up in time. */
const CONNECTION_MESSAGES = [
  /Connection terminated/i,
  /connection timeout/i,
  /Client has encountered a connection error/i,
  /terminating connection/i,
  /server closed the connection/i,
];

/** Whether `error` (or anything in its `cause` chain, as drizzle wraps pg's errors) says the database is unreachable. */
export function isDatabaseUnreachable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 6; depth++) {
    if (typeof current !== "object") return false;
    const { code, message, cause, errors } = current as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (typeof code === "string" && (NETWORK_CODES.has(code) || isConnectionSqlState(code))) return true;
    if (typeof message === "string" && CONNECTION_MESSAGES.some((pattern) => pattern.test(message)))
      return true;
    // net.connect to "localhost" tries every address and reports an AggregateError of them.
    if (Array.isArray(errors) && errors.some((each) => isDatabaseUnreachable(each))) return true;
    current = cause;
  }
  return false;
}

/** The digest Next.js hands the browser's error boundary for this error, so the page can say what happened. */
export const DATABASE_UNAVAILABLE_DIGEST = "HIC_DATABASE_UNAVAILABLE";

export const DATABASE_UNAVAILABLE_MESSAGE =
  "The database is unavailable right now. The app reconnects by itself as soon as it is back; nothing was changed.";

/**
 * Thrown by page guards when the database cannot be reached. Next.js keeps an error's own
 * `digest`, and passes only that to the error boundary (never the message or the stack).
 */
export class DatabaseUnavailableError extends Error {
  readonly digest = DATABASE_UNAVAILABLE_DIGEST;
  constructor(options?: { cause?: unknown }) {
    super(DATABASE_UNAVAILABLE_MESSAGE, options);
    this.name = "DatabaseUnavailableError";
  }
}
