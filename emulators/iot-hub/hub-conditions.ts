import type { IdentityStore } from "./identity-store";
import type { HubPolicyKeys } from "./policies";

/*
 * The emulated hubs' state is one object (IotHubState, in hub-state.ts) built in three layers, a
 * file each: what every hub is and its switches and counters (here), the identity registry and
 * twins (hub-identities.ts), and the connected devices with their messages (hub-state.ts).
 */

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

/** The hubs, their switches and counters, and the maps the other layers share. */
export class HubConditions {
  protected readonly switchesByHub = new Map<string, HubSwitches>();
  protected readonly countersByHub = new Map<string, HubCounters>();
  protected readonly sessions = new Map<string, DeviceSession>();
  protected readonly cloudToDevice = new Map<string, CloudToDeviceMessage[]>();
  protected readonly pendingMethods = new Map<string, PendingMethod>();

  constructor(
    readonly store: IdentityStore,
    readonly keys: HubPolicyKeys,
    protected readonly configuredHubs: () => readonly string[],
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

  /** Drops the device's connection, if it has one (a disabled, deleted or re-keyed identity). */
  closeSession(hub: string, deviceId: string): void {
    this.sessions.get(sessionKey(hub, deviceId))?.close();
  }

  resetCounters(): void {
    this.countersByHub.clear();
  }
}

/** The key of a device in the session and message maps: hub and device ID, case-insensitive. */
export function sessionKey(hub: string, deviceId: string): string {
  return `${hub.toLowerCase()}\n${deviceId.toLowerCase()}`;
}
