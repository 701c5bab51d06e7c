import { randomUUID } from "node:crypto";

import { HubIdentities } from "./hub-identities";
import {
  sessionKey,
  type CloudToDeviceMessage,
  type DeviceSession,
  type OfflineMode,
} from "./hub-conditions";
import { isoNow } from "./wire";

export {
  HubOperationError,
  isValidDeviceId,
  type CloudToDeviceMessage,
  type DeviceSession,
  type HubCounters,
  type HubLog,
  type HubSwitches,
  type OfflineMode,
} from "./hub-conditions";

/**
 * Every emulated hub: identity registries (persisted), connected devices, the switches tests and
 * the admin API flip, and counters. The MQTT gateway and the service API both work through it.
 */
export class IotHubState extends HubIdentities {
  setOnline(hub: string, online: boolean, offlineMode: OfflineMode = "unavailable"): void {
    const switches = this.switches(hub);
    switches.online = online;
    switches.offlineMode = offlineMode;
    // An outage drops every connection of the hub; devices find out when they reconnect.
    if (!online) for (const session of this.sessionsOf(hub)) session.close();
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
