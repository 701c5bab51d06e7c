import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import {
  createSecureContext,
  createServer as createTlsServer,
  type Server as TlsServer,
  type TLSSocket,
} from "node:tls";

import { Aedes, type AuthenticateError, type Client, type PublishPacket, type Subscription } from "aedes";
import { createWebSocketStream, WebSocketServer } from "ws";

import type { HubCertificates } from "./certificates";
import type { DeviceSession, IotHubState } from "./hub-state";
import { isPlainObject, toDeviceTwin } from "./identity";
import { judgeConnect, parseDeviceUsername } from "./mqtt-connect";

function queryOf(topic: string): URLSearchParams {
  const at = topic.indexOf("?");
  return new URLSearchParams(at === -1 ? "" : topic.slice(at + 1));
}

type Inbound = "c2d" | "twinResponses" | "desired" | "methods";

/** The topic filters a device may subscribe to, and what each one means. */
function subscriptionKind(deviceId: string, filter: string): Inbound | null {
  if (filter === `devices/${deviceId}/messages/devicebound/#`) return "c2d";
  if (filter === "$iothub/twin/res/#") return "twinResponses";
  if (filter === "$iothub/twin/PATCH/properties/desired/#") return "desired";
  if (filter === "$iothub/methods/POST/#") return "methods";
  return null;
}

type SessionOfClient = DeviceSession & { expiryTimer: NodeJS.Timeout | null };

/** setTimeout's ceiling (about 24.8 days); a token valid longer is rechecked at reconnect only. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type MqttGateway = {
  tlsServer: TlsServer;
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): Promise<void>;
};

/**
 * The device endpoint: aedes speaks MQTT 3.1.1 (over TLS here, or over WebSockets through the
 * HTTPS server); IoT Hub's rules sit in its hooks. One broker serves every hub, so an aedes client
 * ID is `{hub}/{deviceId}`: the same device ID in two hubs are two clients.
 */
export async function createMqttGateway(
  state: IotHubState,
  certificates: HubCertificates,
): Promise<MqttGateway> {
  const sessions = new WeakMap<Client, SessionOfClient>();

  const broker = await Aedes.createBroker({
    // Azure's SDKs send device IDs of up to 128 characters; aedes' 23-character rule is MQTT 3.1's.
    maxClientsIdLength: 256,
    authenticate(client, username, password, done) {
      const conn = client.conn as Partial<TLSSocket>;
      const named = username === undefined ? undefined : parseDeviceUsername(username);
      if (named && state.isUnreachable(named.hub)) {
        // An unreachable hub never answers: no CONNACK, the connection just ends.
        client.conn.destroy();
        return;
      }
      const verdict = judgeConnect(state, {
        clientId: client.id,
        username,
        password,
        servername: typeof conn.servername === "string" ? conn.servername : undefined,
      });
      if (!verdict.ok) {
        const hub = username?.split("/")[0];
        if (hub && state.findHub(hub)) {
          const refused = state.counters(hub).connectsRefused;
          refused[String(verdict.code)] = (refused[String(verdict.code)] ?? 0) + 1;
        }
        state.log(
          `iot-hub: refused CONNECT (${verdict.code}) for ${username ?? "(no user name)"}: ${verdict.reason}`,
        );
        const error = new Error(verdict.reason) as AuthenticateError;
        error.returnCode = verdict.code;
        done(error, false);
        return;
      }
      const session: SessionOfClient = {
        hub: verdict.hub,
        deviceId: verdict.deviceId,
        subscriptions: new Set(),
        expiryTimer: null,
        deliver(topic, payload) {
          client.publish(
            {
              cmd: "publish",
              topic,
              payload: typeof payload === "string" ? Buffer.from(payload) : payload,
              qos: 0,
              retain: false,
              dup: false,
            },
            () => {},
          );
        },
        close() {
          client.close();
        },
      };
      const untilExpiry = verdict.expiresAtMs - state.now();
      if (untilExpiry < MAX_TIMER_MS) {
        // IoT Hub drops a connection whose token has expired; the SDKs reconnect with a new one.
        session.expiryTimer = setTimeout(() => client.close(), Math.max(0, untilExpiry));
        session.expiryTimer.unref();
      }
      sessions.set(client, session);
      // Attached before the CONNACK goes out, so a device that acts at once (twin GET, a method
      // call right after open) already counts as connected; detached when its connection closes.
      state.attachSession(session);
      client.conn.once("close", () => {
        if (session.expiryTimer !== null) clearTimeout(session.expiryTimer);
        state.detachSession(session);
      });
      // One broker, many hubs: the broker's client ID carries the hub, so takeover stays within one hub.
      (client as { id: string }).id = `${verdict.hub.toLowerCase()}/${verdict.deviceId}`;
      done(null, true);
    },
    authorizePublish(client, packet, done) {
      const session = client ? sessions.get(client) : undefined;
      if (session === undefined) return done(new Error("not connected"));
      try {
        handleDevicePublish(state, session, packet);
        done(null);
      } catch (error) {
        // MQTT 3.1.1 has no negative PUBACK: like IoT Hub, the connection is dropped.
        state.log(`iot-hub: ${session.hub}/${session.deviceId} ${(error as Error).message}; disconnecting`);
        done(error as Error);
      }
    },
    authorizeSubscribe(client, subscription, done) {
      const session = sessions.get(client);
      const kind = session ? subscriptionKind(session.deviceId, subscription.topic) : null;
      if (session === undefined || kind === null) {
        // A refused filter gets SUBACK 0x80.
        done(null, null);
        return;
      }
      session.subscriptions.add(kind);
      // IoT Hub supports QoS 0 and 1 only.
      const granted: Subscription = { ...subscription, qos: Math.min(subscription.qos, 1) as 0 | 1 };
      done(null, granted);
      if (kind === "c2d") setImmediate(() => state.deliverCloudToDevice(session.hub, session.deviceId));
    },
  });

  const context = createSecureContext({
    cert: certificates.serverCertificatePem,
    key: certificates.serverKeyPem,
  });
  const tlsServer = createTlsServer(
    {
      cert: certificates.serverCertificatePem,
      key: certificates.serverKeyPem,
      // Small request/answer packets (twin GET, PUBACK): Nagle's delay would add tens of milliseconds to each.
      noDelay: true,
      // A client that names an unreachable hub does not even complete the TLS handshake.
      SNICallback: (servername, callback) =>
        state.isUnreachable(servername)
          ? callback(new Error(`${servername} is unreachable`))
          : callback(null, context),
    },
    (socket) => {
      broker.handle(socket);
    },
  );
  tlsServer.on("tlsClientError", () => {});
  // Sockets still in the TLS handshake or before CONNECT are no aedes clients yet: stop() ends them here.
  const sockets = new Set<Duplex>();
  tlsServer.on("connection", (socket: Duplex) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  const webSockets = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has("mqtt") ? "mqtt" : false),
  });

  return {
    tlsServer,
    handleUpgrade(request, socket, head) {
      webSockets.handleUpgrade(request, socket, head, (ws) => {
        const stream = createWebSocketStream(ws);
        stream.on("error", () => stream.destroy());
        broker.handle(stream, request);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of webSockets.clients) client.terminate();
        broker.close(() => {
          for (const socket of sockets) socket.destroy();
          resolve();
        });
      }),
  };
}

/** One PUBLISH from a device: its own topics only (anything else drops the connection). */
function handleDevicePublish(state: IotHubState, session: DeviceSession, packet: PublishPacket): void {
  const { hub, deviceId } = session;
  const topic = packet.topic;
  const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
  const ownEvents = `devices/${deviceId}/messages/events`;
  if (topic === ownEvents || topic.startsWith(`${ownEvents}/`)) {
    state.recordTelemetry(hub, deviceId);
    return;
  }
  if (topic.startsWith("$iothub/twin/GET/")) {
    const rid = queryOf(topic).get("$rid") ?? "";
    if (state.switches(hub).throttled) {
      state.counters(hub).twinThrottled += 1;
      session.deliver(`$iothub/twin/res/429/?$rid=${rid}`, "");
      return;
    }
    const identity = state.getIdentity(hub, deviceId);
    state.counters(hub).twinReads += 1;
    if (identity === undefined) {
      session.deliver(`$iothub/twin/res/404/?$rid=${rid}`, "");
      return;
    }
    session.deliver(`$iothub/twin/res/200/?$rid=${rid}`, JSON.stringify(toDeviceTwin(identity)));
    return;
  }
  if (topic.startsWith("$iothub/twin/PATCH/properties/reported/")) {
    const rid = queryOf(topic).get("$rid") ?? "";
    if (state.switches(hub).throttled) {
      state.counters(hub).twinThrottled += 1;
      session.deliver(`$iothub/twin/res/429/?$rid=${rid}`, "");
      return;
    }
    let patch: unknown;
    try {
      patch = JSON.parse(payload.toString("utf8"));
    } catch {
      patch = undefined;
    }
    if (!isPlainObject(patch)) {
      session.deliver(`$iothub/twin/res/400/?$rid=${rid}`, "");
      return;
    }
    const version = state.patchReported(hub, deviceId, patch);
    session.deliver(`$iothub/twin/res/204/?$rid=${rid}&$version=${version}`, "");
    return;
  }
  const methodAnswer = /^\$iothub\/methods\/res\/(\d{3})\/\?(.*)$/.exec(topic);
  if (methodAnswer) {
    const rid = new URLSearchParams(methodAnswer[2]).get("$rid") ?? "";
    let body: unknown = null;
    try {
      body = payload.length === 0 ? null : JSON.parse(payload.toString("utf8"));
    } catch {
      body = payload.toString("utf8");
    }
    state.answerMethod(hub, deviceId, rid, Number(methodAnswer[1]), body);
    return;
  }
  throw new Error(`may not publish to ${topic}`);
}
