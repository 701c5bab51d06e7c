import { NEVER, twinEtag } from "./wire";

export type IdentityStatus = "enabled" | "disabled";

/** A JSON object of twin properties (no `$metadata`/`$version`: those are added on the way out). */
export type TwinProperties = Record<string, unknown>;

/** What the emulator keeps about one device identity of one hub, twin included. */
export type DeviceIdentity = {
  deviceId: string;
  generationId: string;
  etag: string;
  status: IdentityStatus;
  statusReason: string | null;
  statusUpdatedTime: string;
  connectionState: "Connected" | "Disconnected";
  connectionStateUpdatedTime: string;
  lastActivityTime: string;
  primaryKey: string;
  secondaryKey: string;
  /** C2D messages queued for the device (sent while it had not subscribed). */
  cloudToDeviceMessageCount: number;
  twin: {
    version: number;
    tags: TwinProperties;
    desired: TwinProperties;
    desiredVersion: number;
    reported: TwinProperties;
    reportedVersion: number;
  };
};

/** The identity registry's wire shape (GET/PUT /devices/{id}). */
export function toDeviceWire(identity: DeviceIdentity) {
  return {
    deviceId: identity.deviceId,
    generationId: identity.generationId,
    etag: identity.etag,
    connectionState: identity.connectionState,
    status: identity.status,
    statusReason: identity.statusReason,
    connectionStateUpdatedTime: identity.connectionStateUpdatedTime,
    statusUpdatedTime: identity.statusUpdatedTime,
    lastActivityTime: identity.lastActivityTime,
    cloudToDeviceMessageCount: identity.cloudToDeviceMessageCount,
    authentication: {
      symmetricKey: { primaryKey: identity.primaryKey, secondaryKey: identity.secondaryKey },
      x509Thumbprint: { primaryThumbprint: null, secondaryThumbprint: null },
      type: "sas",
    },
    capabilities: { iotEdge: false },
  };
}

/** The twin's service-side wire shape (GET /twins/{id}, query results). */
export function toTwinWire(identity: DeviceIdentity) {
  const twin = identity.twin;
  return {
    deviceId: identity.deviceId,
    etag: twinEtag(twin.version),
    deviceEtag: identity.etag,
    status: identity.status,
    statusReason: identity.statusReason,
    statusUpdateTime: identity.statusUpdatedTime,
    connectionState: identity.connectionState,
    lastActivityTime: identity.lastActivityTime,
    cloudToDeviceMessageCount: identity.cloudToDeviceMessageCount,
    authenticationType: "sas",
    x509Thumbprint: { primaryThumbprint: null, secondaryThumbprint: null },
    modelId: "",
    version: twin.version,
    tags: twin.tags,
    properties: {
      desired: { ...twin.desired, $version: twin.desiredVersion },
      reported: { ...twin.reported, $version: twin.reportedVersion },
    },
    capabilities: { iotEdge: false },
  };
}

/** The twin as the device reads it over MQTT (`$iothub/twin/GET`). */
export function toDeviceTwin(identity: DeviceIdentity) {
  const twin = identity.twin;
  return {
    desired: { ...twin.desired, $version: twin.desiredVersion },
    reported: { ...twin.reported, $version: twin.reportedVersion },
  };
}

export function emptyTwin(): DeviceIdentity["twin"] {
  return { version: 1, tags: {}, desired: {}, desiredVersion: 1, reported: {}, reportedVersion: 1 };
}

/**
 * Applies a twin patch the way IoT Hub does: objects merge recursively, `null` removes a property,
 * anything else replaces. Returns a new object.
 */
export function mergePatch(target: TwinProperties, patch: TwinProperties): TwinProperties {
  const result: TwinProperties = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith("$")) continue;
    if (value === null) delete result[key];
    else if (isPlainObject(value) && isPlainObject(result[key]))
      result[key] = mergePatch(result[key] as TwinProperties, value);
    else if (isPlainObject(value)) result[key] = mergePatch({}, value);
    else result[key] = value;
  }
  return result;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export const NEVER_TIME = NEVER;
