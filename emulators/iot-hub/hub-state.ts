import { randomBytes, randomUUID } from "node:crypto";

import {
  emptyTwin,
  mergePatch,
  NEVER_TIME,
  type DeviceIdentity,
  type IdentityStatus,
  type TwinProperties,
} from "./identity";
import type { IdentityStore } from "./identity-store";
import type { HubPolicyKeys } from "./policies";
import { isoNow, newGenerationId, newIdentityEtag, twinEtag } from "./wire";

export type HubLog = (message: string) => void;

/** A connected device as the hub sees it; the MQTT gateway fills in how to reach it. */
export type DeviceSession = {
  hub: string;
  deviceId: string;
  /** Which of the device's inbound topics it has subscribed to. */
  subscriptions: Set<"c2d" | "twinResponses" | "desired" | "methods">;
  deliver(topic: string, payload: string | Buffer): void;
  close(): void;
};

/**
 * How an offline hub looks: `unavailable` answers CONNECT with 3 and REST with 503 (a hub that is
 * up at the gateway but cannot serve); `unreachable` drops connections without an answer, as an
 * outage or a hub that no longer exists looks from outside.
 */
export type OfflineMode = "unavailable" | "unreachable";

export type HubSwitches = { online: boolean; offlineMode: OfflineMode; throttled: boolean };

export type HubCounters = {
  connectsAccepted: number;
  /** Refused CONNECTs by CONNACK return code. */
  connectsRefused: Record<string, number>;
  telemetry: number;
  twinReads: number;
  twinReportedPatches: number;
  twinDesiredPatches: number;
  twinThrottled: number;
  cloudToDeviceSent: number;
  methodsInvoked: number;
  serviceRequests: number;
};

function newCounters(): HubCounters {
  return {
    connectsAccepted: 0,
    connectsRefused: {},
    telemetry: 0,
    twinReads: 0,
    twinReportedPatches: 0,
    twinDesiredPatches: 0,
    twinThrottled: 0,
    cloudToDeviceSent: 0,
    methodsInvoked: 0,
    serviceRequests: 0,
  };
}

export type CloudToDeviceMessage = { body: string; properties: Record<string, string> };

type PendingMethod = { resolve(answer: { status: number; payload: unknown } | null): void };

/** Thrown by registry operations; the service API turns it into IoT Hub's error answer. */
export class HubOperationError extends Error {
  constructor(
    readonly kind: "notFound" | "conflict" | "precondition" | "invalid",
    message: string,
  ) {
    super(message);
  }
}

const DEVICE_ID = /^[A-Za-z0-9\-:.+%_#*?!(),=@$']{1,128}$/;

export function isValidDeviceId(deviceId: string): boolean {
  return DEVICE_ID.test(deviceId);
}

/**
 * Every emulated hub: identity registries (persisted), connected devices, the switches tests and
 * the admin API flip, and counters. The MQTT gateway and the service API both work through it.
 */
export class IotHubState {
  private readonly switchesByHub = new Map<string, HubSwitches>();
  private readonly countersByHub = new Map<string, HubCounters>();
  private readonly sessions = new Map<string, DeviceSession>();
  private readonly cloudToDevice = new Map<string, CloudToDeviceMessage[]>();
  private readonly pendingMethods = new Map<string, PendingMethod>();

  constructor(
    readonly store: IdentityStore,
    readonly keys: HubPolicyKeys,
    private readonly configuredHubs: () => readonly string[],
    readonly log: HubLog,
    readonly now: () => number = Date.now,
  ) {}

  /** The configured (DPS-linked) hubs, then any other hub that still holds identities. */
  hubNames(): string[] {
    const names = new Map<string, string>();
    for (const hub of this.configuredHubs()) names.set(hub.toLowerCase(), hub);
    for (const hub of this.store.hubNames()) if (!names.has(hub)) names.set(hub, hub);
    return [...names.values()];
  }

  /** True while connections for `hostName` must be dropped unanswered (an unreachable hub). */
  isUnreachable(hostName: string): boolean {
    const hub = this.findHub(hostName);
    if (hub === undefined) return false;
    const switches = this.switches(hub);
    return !switches.online && switches.offlineMode === "unreachable";
  }

  /** The hub's host name as configured, or undefined when the emulator does not serve it. */
  findHub(hostName: string): string | undefined {
    const wanted = hostName.toLowerCase();
    return this.hubNames().find((hub) => hub.toLowerCase() === wanted);
  }

  switches(hub: string): HubSwitches {
    const key = hub.toLowerCase();
    let switches = this.switchesByHub.get(key);
    if (switches === undefined) {
      switches = { online: true, offlineMode: "unavailable", throttled: false };
      this.switchesByHub.set(key, switches);
    }
    return switches;
  }

  setOnline(hub: string, online: boolean, offlineMode: OfflineMode = "unavailable"): void {
    const switches = this.switches(hub);
    switches.online = online;
    switches.offlineMode = offlineMode;
    // An outage drops every connection of the hub; devices find out when they reconnect.
    if (!online) for (const session of this.sessionsOf(hub)) session.close();
  }

  setThrottled(hub: string, throttled: boolean): void {
    this.switches(hub).throttled = throttled;
  }

  counters(hub: string): HubCounters {
    const key = hub.toLowerCase();
    let counters = this.countersByHub.get(key);
    if (counters === undefined) {
      counters = newCounters();
      this.countersByHub.set(key, counters);
    }
    return counters;
  }

  resetCounters(): void {
    this.countersByHub.clear();
  }

  // ---- identities -------------------------------------------------------------------------

  getIdentity(hub: string, deviceId: string): DeviceIdentity | undefined {
    return this.store.get(hub, deviceId);
  }

  listIdentities(hub: string): DeviceIdentity[] {
    return [...this.store.registry(hub).values()];
  }

  private newIdentity(
    deviceId: string,
    keys: { primaryKey: string; secondaryKey: string },
    status: IdentityStatus,
    statusReason: string | null,
  ): DeviceIdentity {
    const now = isoNow(this.now());
    return {
      deviceId,
      generationId: newGenerationId(),
      etag: newIdentityEtag(),
      status,
      statusReason,
      statusUpdatedTime: status === "enabled" ? NEVER_TIME : now,
      connectionState: "Disconnected",
      connectionStateUpdatedTime: NEVER_TIME,
      lastActivityTime: NEVER_TIME,
      primaryKey: keys.primaryKey,
      secondaryKey: keys.secondaryKey,
      cloudToDeviceMessageCount: 0,
      twin: emptyTwin(),
    };
  }

  /**
   * What DPS does on an assignment: creates the identity in the assigned hub, or updates the one
   * there (keys, enabled), keeping its generation. With `migrateTwinFrom` (re-provisioning with
   * migrateDeviceData) the new hub's twin starts as a copy of the old hub's. The old hub's
   * identity is never touched.
   */
  provisionIdentity(input: {
    hub: string;
    deviceId: string;
    primaryKey: string;
    secondaryKey: string;
    migrateTwinFrom?: string;
  }): DeviceIdentity {
    const existing = this.store.get(input.hub, input.deviceId);
    if (existing !== undefined) {
      const keysChanged =
        existing.primaryKey !== input.primaryKey || existing.secondaryKey !== input.secondaryKey;
      const updated: DeviceIdentity = {
        ...existing,
        primaryKey: input.primaryKey,
        secondaryKey: input.secondaryKey,
        etag: newIdentityEtag(),
      };
      this.store.put(input.hub, updated);
      if (keysChanged) this.closeSession(input.hub, input.deviceId);
      return updated;
    }
    const identity = this.newIdentity(input.deviceId, input, "enabled", null);
    const source =
      input.migrateTwinFrom !== undefined ? this.store.get(input.migrateTwinFrom, input.deviceId) : undefined;
    if (source !== undefined) {
      identity.twin = {
        ...emptyTwin(),
        tags: structuredClone(source.twin.tags),
        desired: structuredClone(source.twin.desired),
        reported: structuredClone(source.twin.reported),
      };
    }
    this.store.put(input.hub, identity);
    return identity;
  }

  private requireIdentity(hub: string, deviceId: string): DeviceIdentity {
    const identity = this.store.get(hub, deviceId);
    if (identity === undefined)
      throw new HubOperationError("notFound", `Device ${deviceId} not registered in ${hub}`);
    return identity;
  }

  private checkEtag(identityEtag: string, ifMatch: string | undefined): void {
    if (ifMatch === undefined) return;
    const wanted = ifMatch.trim().replace(/^W\//, "").replace(/^"|"$/g, "");
    if (wanted === "*" || wanted === identityEtag) return;
    throw new HubOperationError(
      "precondition",
      "Precondition failed: the ETag does not match the identity's",
    );
  }

  /**
   * PUT /devices/{id}: creates without If-Match (409 when it exists), replaces with If-Match ("*" or
   * the etag). Keys are generated when a new SAS identity comes without them, as IoT Hub does.
   */
  putIdentity(
    hub: string,
    deviceId: string,
    body: {
      status?: IdentityStatus;
      statusReason?: string | null;
      authentication?: {
        type?: string;
        symmetricKey?: { primaryKey?: string | null; secondaryKey?: string | null };
      };
    },
    ifMatch: string | undefined,
  ): { identity: DeviceIdentity; created: boolean } {
    const existing = this.store.get(hub, deviceId);
    const given = body.authentication?.symmetricKey;
    if (existing === undefined) {
      if (ifMatch !== undefined && ifMatch.trim() !== "*" && ifMatch.trim() !== '"*"')
        throw new HubOperationError("notFound", `Device ${deviceId} not registered in ${hub}`);
      const identity = this.newIdentity(
        deviceId,
        {
          primaryKey: given?.primaryKey || randomKey(),
          secondaryKey: given?.secondaryKey || randomKey(),
        },
        body.status ?? "enabled",
        body.statusReason ?? null,
      );
      this.store.put(hub, identity);
      return { identity, created: true };
    }
    if (ifMatch === undefined)
      throw new HubOperationError("conflict", `A device with ID '${deviceId}' is already registered.`);
    this.checkEtag(existing.etag, ifMatch);
    const status = body.status ?? existing.status;
    const updated: DeviceIdentity = {
      ...existing,
      status,
      statusReason: body.statusReason !== undefined ? body.statusReason : existing.statusReason,
      statusUpdatedTime: status !== existing.status ? isoNow(this.now()) : existing.statusUpdatedTime,
      primaryKey: given?.primaryKey || existing.primaryKey,
      secondaryKey: given?.secondaryKey || existing.secondaryKey,
      etag: newIdentityEtag(),
    };
    this.store.put(hub, updated);
    if (
      status === "disabled" ||
      updated.primaryKey !== existing.primaryKey ||
      updated.secondaryKey !== existing.secondaryKey
    )
      this.closeSession(hub, deviceId);
    return { identity: updated, created: false };
  }

  deleteIdentity(hub: string, deviceId: string, ifMatch?: string): void {
    const existing = this.requireIdentity(hub, deviceId);
    this.checkEtag(existing.etag, ifMatch);
    this.store.delete(hub, deviceId);
    this.cloudToDevice.delete(sessionKey(hub, deviceId));
    this.closeSession(hub, deviceId);
  }

  setStatus(
    hub: string,
    deviceId: string,
    status: IdentityStatus,
    statusReason: string | null = null,
  ): DeviceIdentity {
    this.requireIdentity(hub, deviceId);
    return this.putIdentity(hub, deviceId, { status, statusReason }, "*").identity;
  }

  /** Replaces one of the identity's keys with a fresh random one: tokens made with the old key stop working. */
  regenerateKey(hub: string, deviceId: string, which: "primary" | "secondary"): DeviceIdentity {
    this.requireIdentity(hub, deviceId);
    const symmetricKey = which === "primary" ? { primaryKey: randomKey() } : { secondaryKey: randomKey() };
    return this.putIdentity(hub, deviceId, { authentication: { type: "sas", symmetricKey } }, "*").identity;
  }

  // ---- twins ------------------------------------------------------------------------------

  patchReported(hub: string, deviceId: string, patch: TwinProperties): number {
    const identity = this.requireIdentity(hub, deviceId);
    identity.twin.reported = mergePatch(identity.twin.reported, patch);
    identity.twin.reportedVersion += 1;
    identity.twin.version += 1;
    identity.lastActivityTime = isoNow(this.now());
    this.store.touched();
    this.counters(hub).twinReportedPatches += 1;
    return identity.twin.reportedVersion;
  }

  /** PATCH /twins/{id}: tags and desired properties; a desired change reaches a subscribed device at once. */
  patchTwin(
    hub: string,
    deviceId: string,
    patch: { tags?: TwinProperties; desired?: TwinProperties },
    ifMatch: string | undefined,
  ): DeviceIdentity {
    const identity = this.requireIdentity(hub, deviceId);
    if (ifMatch !== undefined) {
      const wanted = ifMatch.trim().replace(/^W\//, "").replace(/^"|"$/g, "");
      if (wanted !== "*" && wanted !== twinEtagOf(identity))
        throw new HubOperationError(
          "precondition",
          "Precondition failed: the ETag does not match the twin's",
        );
    }
    if (patch.tags !== undefined) identity.twin.tags = mergePatch(identity.twin.tags, patch.tags);
    if (patch.desired !== undefined) {
      identity.twin.desired = mergePatch(identity.twin.desired, patch.desired);
      identity.twin.desiredVersion += 1;
      this.counters(hub).twinDesiredPatches += 1;
      const session = this.sessions.get(sessionKey(hub, deviceId));
      if (session?.subscriptions.has("desired")) {
        session.deliver(
          `$iothub/twin/PATCH/properties/desired/?$version=${identity.twin.desiredVersion}`,
          JSON.stringify({ ...patch.desired, $version: identity.twin.desiredVersion }),
        );
      }
    }
    identity.twin.version += 1;
    this.store.touched();
    return identity;
  }

  // ---- sessions ---------------------------------------------------------------------------

  attachSession(session: DeviceSession): void {
    const key = sessionKey(session.hub, session.deviceId);
    const previous = this.sessions.get(key);
    // IoT Hub allows one connection per identity: the newer one wins.
    if (previous !== undefined && previous !== session) previous.close();
    this.sessions.set(key, session);
    const identity = this.store.get(session.hub, session.deviceId);
    if (identity !== undefined) {
      const now = isoNow(this.now());
      identity.connectionState = "Connected";
      identity.connectionStateUpdatedTime = now;
      identity.lastActivityTime = now;
      this.store.touched();
    }
    this.counters(session.hub).connectsAccepted += 1;
  }

  detachSession(session: DeviceSession): void {
    const key = sessionKey(session.hub, session.deviceId);
    if (this.sessions.get(key) !== session) return;
    this.sessions.delete(key);
    const identity = this.store.get(session.hub, session.deviceId);
    if (identity !== undefined) {
      identity.connectionState = "Disconnected";
      identity.connectionStateUpdatedTime = isoNow(this.now());
      this.store.touched();
    }
  }

  session(hub: string, deviceId: string): DeviceSession | undefined {
    return this.sessions.get(sessionKey(hub, deviceId));
  }

  sessionsOf(hub: string): DeviceSession[] {
    const prefix = `${hub.toLowerCase()}\n`;
    return [...this.sessions.entries()].filter(([key]) => key.startsWith(prefix)).map(([, s]) => s);
  }

  closeSession(hub: string, deviceId: string): void {
    this.sessions.get(sessionKey(hub, deviceId))?.close();
  }

  closeAllSessions(): void {
    for (const session of [...this.sessions.values()]) session.close();
  }

  recordTelemetry(hub: string, deviceId: string): void {
    this.counters(hub).telemetry += 1;
    const identity = this.store.get(hub, deviceId);
    if (identity !== undefined) identity.lastActivityTime = isoNow(this.now());
  }

  // ---- cloud-to-device and direct methods --------------------------------------------------

  /** Queues a message for the device and delivers what is queued when it listens. */
  sendCloudToDevice(hub: string, deviceId: string, message: CloudToDeviceMessage): void {
    const identity = this.requireIdentity(hub, deviceId);
    const key = sessionKey(hub, deviceId);
    const queue = this.cloudToDevice.get(key) ?? [];
    queue.push(message);
    this.cloudToDevice.set(key, queue);
    identity.cloudToDeviceMessageCount = queue.length;
    this.counters(hub).cloudToDeviceSent += 1;
    this.deliverCloudToDevice(hub, deviceId);
  }

  deliverCloudToDevice(hub: string, deviceId: string): void {
    const session = this.sessions.get(sessionKey(hub, deviceId));
    if (!session?.subscriptions.has("c2d")) return;
    const key = sessionKey(hub, deviceId);
    const queue = this.cloudToDevice.get(key) ?? [];
    this.cloudToDevice.delete(key);
    const identity = this.store.get(hub, deviceId);
    if (identity !== undefined) identity.cloudToDeviceMessageCount = 0;
    for (const message of queue) {
      const properties = new URLSearchParams({
        "$.mid": randomUUID(),
        "$.to": `/devices/${identity?.deviceId ?? deviceId}/messages/devicebound`,
        ...message.properties,
      }).toString();
      session.deliver(
        `devices/${identity?.deviceId ?? deviceId}/messages/devicebound/${properties}`,
        message.body,
      );
    }
  }

  /**
   * Invokes a direct method: null when the device is not listening for methods (DeviceNotOnline),
   * `timeout` when it does not answer in time, else its status and payload.
   */
  invokeMethod(
    hub: string,
    deviceId: string,
    methodName: string,
    payload: unknown,
    timeoutMs: number,
  ): Promise<{ status: number; payload: unknown } | "timeout" | null> {
    this.requireIdentity(hub, deviceId);
    const session = this.sessions.get(sessionKey(hub, deviceId));
    if (!session?.subscriptions.has("methods")) return Promise.resolve(null);
    this.counters(hub).methodsInvoked += 1;
    const rid = randomUUID().replace(/-/g, "").slice(0, 16);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pendingMethods.delete(`${sessionKey(hub, deviceId)}\n${rid}`);
        resolve("timeout");
      }, timeoutMs);
      timer.unref();
      this.pendingMethods.set(`${sessionKey(hub, deviceId)}\n${rid}`, {
        resolve: (answer) => {
          clearTimeout(timer);
          resolve(answer);
        },
      });
      session.deliver(
        `$iothub/methods/POST/${methodName}/?$rid=${rid}`,
        JSON.stringify(payload === undefined ? null : payload),
      );
    });
  }

  /** The device's answer on `$iothub/methods/res/{status}/?$rid={rid}`; unknown request IDs are ignored. */
  answerMethod(hub: string, deviceId: string, rid: string, status: number, payload: unknown): void {
    const key = `${sessionKey(hub, deviceId)}\n${rid}`;
    const pending = this.pendingMethods.get(key);
    if (pending === undefined) return;
    this.pendingMethods.delete(key);
    pending.resolve({ status, payload });
  }

  /** Admin reset: every identity, queue and counter goes; switches return to online and unthrottled. */
  reset(): void {
    this.closeAllSessions();
    this.store.clear();
    this.cloudToDevice.clear();
    this.switchesByHub.clear();
    this.countersByHub.clear();
  }
}

function sessionKey(hub: string, deviceId: string): string {
  return `${hub.toLowerCase()}\n${deviceId.toLowerCase()}`;
}

function randomKey(): string {
  return randomBytes(32).toString("base64");
}

function twinEtagOf(identity: DeviceIdentity): string {
  return twinEtag(identity.twin.version);
}
