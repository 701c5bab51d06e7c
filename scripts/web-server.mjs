/**
 * The production web server the launcher runs in place of `next start`: Next.js's own request
 * handler behind a plain Node HTTP server. It adds one thing `next start` cannot: the app learns
 * each request's socket address (in a header of its own, overwriting any copy the client sent),
 * which the sign-in throttle keys on. `next start` only fills X-Forwarded-For when the client has
 * not, so that header alone cannot be trusted.
 *
 * It also tells the app when it is stopping, so a CSV upload still streaming in is reported as cut
 * short rather than finished.
 *
 * Environment: PORT, HOST (as `next start -p -H`).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import http from "node:http";
import next from "next";
import { requestTimer } from "./request-timing.mjs";
import { warmRouteHandlers } from "./warm-routes.mjs";

const SOCKET_ADDRESS_HEADER = "x-hic-socket-address";
const port = Number(process.env.PORT || 3000);
const hostname = process.env.HOST || "127.0.0.1";
const GRACE_MS = 10_000;

process.title = "next-server (hic)";
// Read by lib/auth/client-address.ts: the header is only believed when this server set it.
globalThis[Symbol.for("hic.socketAddressHeader")] = SOCKET_ADDRESS_HEADER;
const stopping = new AbortController();
globalThis[Symbol.for("hic.serverStopping")] = stopping.signal;

const app = next({ dev: false, dir: process.cwd(), hostname, port });
await app.prepare();
const handle = app.getRequestHandler();
const timeRequest = requestTimer(process.cwd());
// Shared with the app's logger (lib/observability/log-context.ts): its lines name the request.
const logContext = (globalThis[Symbol.for("hic.logContext")] ??= new AsyncLocalStorage());

/** Next.js's handler, told the socket's address in the one header the app believes. */
function handleWithAddress(req, res) {
  req.headers[SOCKET_ADDRESS_HEADER] = req.socket.remoteAddress ?? "";
  return handle(req, res);
}

const server = http.createServer((req, res) => {
  timeRequest(req, res);
  const requestId = randomUUID();
  res.setHeader("X-Request-Id", requestId);
  logContext
    .run({ requestId }, () => handleWithAddress(req, res))
    .catch((error) => {
      console.error(
        `[web-server] ${req.method} ${req.url?.slice(0, 200)} failed (request ${requestId}): ${error?.message ?? error}`,
      );
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end("Internal Server Error");
      } else res.destroy();
    });
});

// Longer than the idle timeout of common clients and proxies, so the server is not the side that
// closes a kept-alive connection at the moment a client reuses it.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;

// Before the port opens, so no request waits behind a handler's first load.
await warmRouteHandlers(process.cwd(), (req, res) => {
  void handleWithAddress(req, res).catch(() => {
    if (!res.headersSent) res.statusCode = 500;
    res.end();
  });
});

server.on("clientError", (_error, socket) => {
  if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
  else socket.destroy();
});

await new Promise((resolve, reject) => {
  server.once("error", reject);
  server.listen(port, hostname, resolve);
});
console.log(`[web-server] listening on ${hostname}:${port}`);

let closing = false;
function shutdown(signal) {
  if (closing) return;
  closing = true;
  stopping.abort(new Error(`server stopping (${signal})`));
  server.close();
  server.closeIdleConnections();
  setTimeout(() => process.exit(signal === "SIGINT" ? 130 : 143), GRACE_MS).unref();
  // Requests in flight get to answer (an upload says it was cut short); then the process ends.
  server.once("close", () => {
    app.close().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  });
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
