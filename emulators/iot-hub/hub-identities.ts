import { randomBytes } from "node:crypto";

import {
  emptyTwin,
  mergePatch,
  NEVER_TIME,
  type DeviceIdentity,
  type IdentityStatus,
  type TwinProperties,
} from "./identity";
import { HubConditions, HubOperationError, sessionKey } from "./hub-conditions";
import { isoNow, newGenerationId, newIdentityEtag, twinEtag } from "./wire";

/** The hubs' identity registries (persisted in the IdentityStore) and twins, as the service API and DPS change them. */
export class HubIdentities extends HubConditions {
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

  protected requireIdentity(hub: string, deviceId: string): DeviceIdentity {
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
}

function randomKey(): string {
  return randomBytes(32).toString("base64");
}

function twinEtagOf(identity: DeviceIdentity): string {
  return twinEtag(identity.twin.version);
}
