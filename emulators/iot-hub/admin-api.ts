import type { IncomingMessage } from "node:http";

import { HubOperationError, type HubCounters, type IotHubState, type OfflineMode } from "./hub-state";
import { isPlainObject, toDeviceWire, type DeviceIdentity } from "./identity";

export type HubSummary = {
  hostName: string;
  online: boolean;
  offlineMode: OfflineMode;
  throttled: boolean;
  identities: number;
  connected: number;
  counters: HubCounters;
};

/** Thrown for an admin request the emulator refuses (unknown hub or identity, bad input). */
export class HubAdminError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
  }
}

/** Test and operator switches of the hub emulator; the same operations are served under `/_emulator/iot-hub/`. */
export type IotHubAdmin = {
  hubs(): HubSummary[];
  /**
   * Takes a hub offline or back online. Offline drops its open connections; then `unavailable`
   * (the default) answers CONNECT with 3 and REST with 503, `unreachable` drops every new
   * connection without an answer (TLS handshakes naming the hub fail too).
   */
  setHubOnline(hub: string, online: boolean, offlineMode?: OfflineMode): HubSummary;
  /** Makes a hub throttle: CONNECT answered 3, twin requests 429, REST 429. */
  setHubThrottled(hub: string, throttled: boolean): HubSummary;
  listIdentities(hub: string): ReturnType<typeof toDeviceWire>[];
  getIdentity(hub: string, deviceId: string): DeviceIdentity | undefined;
  /** Disables (or enables) an identity; a connected device is disconnected when disabled. */
  setIdentityStatus(
    hub: string,
    deviceId: string,
    status: "enabled" | "disabled",
    statusReason?: string,
  ): DeviceIdentity;
  deleteIdentity(hub: string, deviceId: string): void;
  /** A new random key: the device's derived key stops working until DPS provisions it again. */
  regenerateKey(hub: string, deviceId: string, which?: "primary" | "secondary"): DeviceIdentity;
  sendCloudToDevice(
    hub: string,
    deviceId: string,
    message: { body: string; properties?: Record<string, string> },
  ): void;
  /** Clears every identity, queue, switch and counter. */
  reset(): void;
};

export function createIotHubAdmin(state: IotHubState): IotHubAdmin {
  const hubOrThrow = (name: string): string => {
    const hub = state.findHub(name);
    if (hub === undefined) throw new HubAdminError(404, `No hub ${name} in this emulator`);
    return hub;
  };
  const summary = (hub: string): HubSummary => ({
    hostName: hub,
    ...state.switches(hub),
    identities: state.listIdentities(hub).length,
    connected: state.sessionsOf(hub).length,
    counters: state.counters(hub),
  });
  const guarded = <T>(operation: () => T): T => {
    try {
      return operation();
    } catch (error) {
      if (error instanceof HubOperationError)
        throw new HubAdminError(error.kind === "notFound" ? 404 : 400, error.message);
      throw error;
    }
  };
  return {
    hubs: () => state.hubNames().map(summary),
    setHubOnline(name, online, offlineMode) {
      const hub = hubOrThrow(name);
      state.setOnline(hub, online, offlineMode);
      return summary(hub);
    },
    setHubThrottled(name, throttled) {
      const hub = hubOrThrow(name);
      state.setThrottled(hub, throttled);
      return summary(hub);
    },
    listIdentities: (name) => state.listIdentities(hubOrThrow(name)).map(toDeviceWire),
    getIdentity: (name, deviceId) => state.getIdentity(hubOrThrow(name), deviceId),
    setIdentityStatus: (name, deviceId, status, statusReason) =>
      guarded(() => state.setStatus(hubOrThrow(name), deviceId, status, statusReason ?? null)),
    deleteIdentity: (name, deviceId) => guarded(() => state.deleteIdentity(hubOrThrow(name), deviceId)),
    regenerateKey: (name, deviceId, which = "primary") =>
      guarded(() => state.regenerateKey(hubOrThrow(name), deviceId, which)),
    sendCloudToDevice: (name, deviceId, message) =>
      guarded(() =>
        state.sendCloudToDevice(hubOrThrow(name), deviceId, {
          body: message.body,
          properties: message.properties ?? {},
        }),
      ),
    reset: () => state.reset(),
  };
}

type AdminAnswer = { status: number; body: unknown };

function decode(segment: string | undefined): string {
  try {
    return decodeURIComponent(segment ?? "");
  } catch {
    throw new HubAdminError(400, `'${segment}' is not URL-encoded correctly`);
  }
}

/** `/_emulator/iot-hub/…` routes (loopback only; the caller checks). */
export function routeHubAdmin(
  admin: IotHubAdmin,
  request: IncomingMessage,
  path: string,
  body: unknown,
): AdminAnswer {
  const method = request.method ?? "GET";
  const parts = path.slice("/_emulator/iot-hub/".length).split("/");
  const input = isPlainObject(body) ? body : {};
  try {
    if (parts[0] === "reset" && parts.length === 1 && method === "POST") {
      admin.reset();
      return { status: 200, body: { reset: true } };
    }
    if (parts[0] === "hubs" && parts.length === 1 && method === "GET")
      return { status: 200, body: admin.hubs() };
    if (parts[0] === "hubs" && parts.length === 2 && method === "PATCH") {
      const hub = decode(parts[1]);
      let result: HubSummary | undefined;
      if (
        input.offlineMode !== undefined &&
        input.offlineMode !== "unavailable" &&
        input.offlineMode !== "unreachable"
      )
        throw new HubAdminError(400, 'offlineMode must be "unavailable" or "unreachable"');
      if (typeof input.online === "boolean")
        result = admin.setHubOnline(hub, input.online, input.offlineMode as OfflineMode | undefined);
      if (typeof input.throttled === "boolean") result = admin.setHubThrottled(hub, input.throttled);
      if (result === undefined)
        throw new HubAdminError(400, 'Send {"online": boolean} and/or {"throttled": boolean}');
      return { status: 200, body: result };
    }
    if (parts[0] === "hubs" && parts[2] === "identities") {
      const hub = decode(parts[1]);
      if (parts.length === 3 && method === "GET") return { status: 200, body: admin.listIdentities(hub) };
      const deviceId = decode(parts[3]);
      if (parts.length === 4 && method === "GET") {
        const identity = admin.getIdentity(hub, deviceId);
        if (identity === undefined) throw new HubAdminError(404, `No identity ${deviceId} in ${hub}`);
        return { status: 200, body: toDeviceWire(identity) };
      }
      if (parts.length === 4 && method === "PATCH") {
        if (input.status !== "enabled" && input.status !== "disabled")
          throw new HubAdminError(400, 'Send {"status": "enabled" | "disabled", "statusReason"?: string}');
        const reason = typeof input.statusReason === "string" ? input.statusReason : undefined;
        return {
          status: 200,
          body: toDeviceWire(admin.setIdentityStatus(hub, deviceId, input.status, reason)),
        };
      }
      if (parts.length === 4 && method === "DELETE") {
        admin.deleteIdentity(hub, deviceId);
        return { status: 200, body: { deleted: true } };
      }
      if (parts.length === 5 && parts[4] === "regenerate-key" && method === "POST") {
        const which = input.key === "secondary" ? "secondary" : "primary";
        return { status: 200, body: toDeviceWire(admin.regenerateKey(hub, deviceId, which)) };
      }
      if (parts.length === 5 && parts[4] === "messages" && method === "POST") {
        if (typeof input.body !== "string")
          throw new HubAdminError(400, 'Send {"body": string, "properties"?: {…}}');
        const properties = isPlainObject(input.properties)
          ? Object.fromEntries(Object.entries(input.properties).map(([key, value]) => [key, String(value)]))
          : {};
        admin.sendCloudToDevice(hub, deviceId, { body: input.body, properties });
        return { status: 202, body: { queued: true } };
      }
    }
    return { status: 404, body: { message: `No admin route for ${method} ${path}` } };
  } catch (error) {
    if (error instanceof HubAdminError) return { status: error.status, body: { message: error.message } };
    throw error;
  }
}
