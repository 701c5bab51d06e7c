/** How a request that got no HTTP answer failed, by its system error code. */
export type NetworkErrorClass = "dns" | "refused" | "no-route" | "tls" | "reset" | "timeout" | "network";

const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME", "EAI_NODATA"]);
const REFUSED_CODES = new Set(["ECONNREFUSED"]);
const NO_ROUTE_CODES = new Set(["EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "ENETDOWN", "EADDRNOTAVAIL"]);
const RESET_CODES = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_ABORTED",
]);
const TIMEOUT_CODES = new Set([
  "ETIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);
/** OpenSSL verification codes and Node's TLS errors: a certificate problem no retry will fix. */
const TLS_CODE =
  /^(?:ERR_TLS_|ERR_SSL_|EPROTO$)|CERT|SELF_SIGNED|UNABLE_TO_(?:VERIFY|GET|DECRYPT)|HOSTNAME_MISMATCH/;

export type CodedError = { code: string; message: string };

/** undici wraps the socket error as `TypeError("fetch failed", { cause })`, sometimes as an AggregateError of attempts. */
export function findCodedError(error: unknown, depth = 0): CodedError | null {
  if (depth > 5 || typeof error !== "object" || error === null) return null;
  const { code, message, cause, errors } = error as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  const inner = findCodedError(cause, depth + 1);
  if (inner) return inner;
  if (Array.isArray(errors)) {
    for (const each of errors) {
      const found = findCodedError(each, depth + 1);
      if (found) return found;
    }
  }
  if (typeof code === "string") return { code, message: typeof message === "string" ? message : code };
  return null;
}

export function classifyNetworkCode(code: string): NetworkErrorClass {
  if (DNS_CODES.has(code)) return "dns";
  if (REFUSED_CODES.has(code)) return "refused";
  if (NO_ROUTE_CODES.has(code)) return "no-route";
  if (TLS_CODE.test(code)) return "tls";
  if (RESET_CODES.has(code)) return "reset";
  if (TIMEOUT_CODES.has(code)) return "timeout";
  return "network";
}
