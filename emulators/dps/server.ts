import { createServer, type Server } from "node:https";

import { handleAdminRequest, type EmulatorAdmin } from "./admin-api";
import type { EmulatorCertificates } from "./certificates";
import { handleDeviceRequest } from "./device-api";
import { handleServiceRequest, isServicePath } from "./service-api";
import type { EmulatorState } from "./emulator-state";
import { readBody, writeJson } from "./http-io";
import { ErrorCodes, errorBody } from "./wire-format";

/** Tried first when no port is given; taken, the emulator falls back to a free port and reports it. */
export const DEFAULT_PORT = 8443;

/**
 * One HTTPS server for all three APIs: `/_emulator/…` is the admin API, `/enrollmentGroups/…` and
 * `/registrations/…` the DPS service API, everything else (`/{idScope}/registrations/…`) the device API.
 */
export function createEmulatorServer(
  state: EmulatorState,
  admin: EmulatorAdmin,
  certificates: EmulatorCertificates,
): Server {
  const server = createServer(
    { cert: certificates.serverCertificatePem, key: certificates.serverKeyPem },
    (request, response) => {
      const url = request.url ?? "/";
      const queryAt = url.indexOf("?");
      const path = queryAt === -1 ? url : url.slice(0, queryAt);
      const query = queryAt === -1 ? "" : url.slice(queryAt + 1);
      readBody(request)
        .then((body) =>
          path === "/_emulator" || path.startsWith("/_emulator/")
            ? handleAdminRequest(admin, request, response, path, query, body)
            : isServicePath(path)
              ? handleServiceRequest(state, request, response, path, query, body)
              : handleDeviceRequest(state, request, response, path, query, body),
        )
        .catch((error: unknown) => {
          state.log(
            `request ${request.method} ${path} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          );
          writeJson(
            response,
            500,
            JSON.stringify(errorBody(ErrorCodes.internalError, "Internal server error")),
          );
        });
    },
  );
  // Clients pool connections for many register/poll cycles; Node's 5 s default would make them reconnect (and re-handshake) constantly.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.on("clientError", (_error, socket) => socket.destroy());
  return server;
}

/** The host part of the URL clients should dial: a wildcard bind is reached over loopback, IPv6 needs brackets. */
export function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "::" || host === "") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}
