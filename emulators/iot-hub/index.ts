import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";

import { isLoopbackAddress } from "../dps/admin-api";
import { readBody } from "../dps/http-io";
import { createIotHubAdmin, routeHubAdmin, type IotHubAdmin } from "./admin-api";
import { loadOrCreateHubCertificates } from "./certificates";
import { IotHubState, type HubLog } from "./hub-state";
import { IdentityStore } from "./identity-store";
import { createMqttGateway } from "./mqtt-gateway";
import { HubPolicyKeys } from "./policies";
import { handleServiceRequest, writeServiceAnswer } from "./service-api";
import { HubErrors, hubErrorBody } from "./wire";
import { listenWithFallback } from "../listen";

export type { IotHubAdmin, HubSummary } from "./admin-api";
export type { DeviceIdentity } from "./identity";
export { ConnackCodes } from "./mqtt-connect";

/** Tried first; taken, the emulator falls back to a free port and reports it. */
export const DEFAULT_MQTT_PORT = 8883;
export const DEFAULT_HUB_HTTPS_PORT = 9443;

/** One hub as clients need it: its host name and the connection strings of the policies apps ask for. */
export type IotHubConnectionHub = {
  hostName: string;
  ownerConnectionString: string;
  registryReadConnectionString: string;
  registryReadWriteConnectionString: string;
};

/**
 * Where the hubs answer. Clients connect to `address` on these ports while using a hub's host name
 * (SNI, Host header, token scope, MQTT user name); `caFile` is the CA to trust for them.
 */
export type IotHubConnectionInfo = {
  address: string;
  mqttPort: number;
  httpsPort: number;
  caFile: string;
  hubs: IotHubConnectionHub[];
};

export type StartIotHubOptions = {
  dataDir: string;
  host: string;
  /** 0 = any free port; omitted = the default, or any free port when it is taken. */
  mqttPort?: number;
  httpsPort?: number;
  /** The hubs to serve: the DPS emulator's linked hubs, read at each use so config changes apply. */
  hubs: () => readonly string[];
  log: HubLog;
  now?: () => number;
};

export type IotHubEmulator = {
  readonly connection: IotHubConnectionInfo;
  caFile: string;
  caPem: string;
  admin: IotHubAdmin;
  /** What DPS calls on every assignment; see IotHubState.provisionIdentity. */
  provisionIdentity: IotHubState["provisionIdentity"];
  stop(): Promise<void>;
};

function dialAddress(host: string): string {
  if (host === "0.0.0.0" || host === "::" || host === "") return "127.0.0.1";
  return host;
}

/** The local IoT Hub: MQTT over TLS on one port, the service API and MQTT over WebSockets on one HTTPS port. */
export async function startIotHubEmulator(options: StartIotHubOptions): Promise<IotHubEmulator> {
  const now = options.now ?? Date.now;
  const store = await IdentityStore.open(options.dataDir, options.log);
  const keys = await HubPolicyKeys.open(options.dataDir);
  const state = new IotHubState(store, keys, options.hubs, options.log, now);
  await keys.ensure(state.hubNames());
  const certificates = await loadOrCreateHubCertificates(options.dataDir, state.hubNames());
  if (certificates.createdCa) options.log(`iot-hub: created a new hub CA at ${certificates.caFile}`);
  const admin = createIotHubAdmin(state);
  const gateway = await createMqttGateway(state, certificates);

  const https: HttpsServer = createHttpsServer(
    { cert: certificates.serverCertificatePem, key: certificates.serverKeyPem },
    (request, response) => {
      const url = request.url ?? "/";
      const queryAt = url.indexOf("?");
      const path = queryAt === -1 ? url : url.slice(0, queryAt);
      readBody(request)
        .then(async (raw) => {
          if (raw === null) {
            writeServiceAnswer(response, {
              status: 413,
              body: hubErrorBody(HubErrors.argumentInvalid, "The request body is too large", now()),
            });
            return;
          }
          let body: unknown;
          try {
            body = raw.length === 0 ? undefined : JSON.parse(raw.toString("utf8"));
          } catch {
            writeServiceAnswer(response, {
              status: 400,
              body: hubErrorBody(HubErrors.argumentInvalid, "The request body is not JSON", now()),
            });
            return;
          }
          if (path.startsWith("/_emulator/iot-hub/")) {
            const answer = isLoopbackAddress(request.socket.remoteAddress)
              ? routeHubAdmin(admin, request, path, body)
              : { status: 403, body: { message: "The emulator admin API only answers loopback clients" } };
            writeServiceAnswer(response, { status: answer.status, body: JSON.stringify(answer.body) });
            return;
          }
          writeServiceAnswer(response, await handleServiceRequest(state, request, path, body));
        })
        .catch((error: unknown) => {
          options.log(
            `iot-hub: request ${request.method} ${path} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          );
          writeServiceAnswer(response, {
            status: 500,
            body: hubErrorBody(HubErrors.serverError, "Internal server error", now()),
          });
        });
    },
  );
  https.keepAliveTimeout = 65_000;
  https.on("clientError", (_error, socket) => socket.destroy());
  https.on("upgrade", (request, socket, head) => {
    if ((request.url ?? "").split("?")[0] !== "/$iothub/websocket") {
      socket.destroy();
      return;
    }
    gateway.handleUpgrade(request, socket, head);
  });

  let mqttPort: number;
  let httpsPort: number;
  try {
    mqttPort = await listenWithFallback(gateway.tlsServer, options.mqttPort, DEFAULT_MQTT_PORT, options.host);
    httpsPort = await listenWithFallback(https, options.httpsPort, DEFAULT_HUB_HTTPS_PORT, options.host);
  } catch (error) {
    gateway.tlsServer.close();
    await gateway.close();
    throw error;
  }
  const address = dialAddress(options.host);
  options.log(
    `iot-hub: listening on mqtts://${address}:${mqttPort} and https://${address}:${httpsPort} for ${state.hubNames().join(", ")}`,
  );

  let stopping: Promise<void> | null = null;
  return {
    get connection(): IotHubConnectionInfo {
      return {
        address,
        mqttPort,
        httpsPort,
        caFile: certificates.caFile,
        hubs: state.hubNames().map((hostName) => ({
          hostName,
          ownerConnectionString: keys.connectionString(hostName, "iothubowner"),
          registryReadConnectionString: keys.connectionString(hostName, "registryRead"),
          registryReadWriteConnectionString: keys.connectionString(hostName, "registryReadWrite"),
        })),
      };
    },
    caFile: certificates.caFile,
    caPem: certificates.caPem,
    admin,
    provisionIdentity: (input) => state.provisionIdentity(input),
    stop() {
      stopping ??= (async () => {
        await Promise.all([
          new Promise<void>((resolve) => {
            https.close(() => resolve());
            https.closeAllConnections();
          }),
          new Promise<void>((resolve) => gateway.tlsServer.close(() => resolve())),
          gateway.close(),
        ]);
        await store.flush();
      })();
      return stopping;
    },
  };
}
