import { deriveDeviceKey } from "@/lib/dps/derive-device-key";
import { parseSasToken, verifySasToken } from "@/lib/dps/sas";

import { BoundedCache } from "./bounded-cache";
import type { EmulatorConfig, EnrollmentGroup } from "./config";

const CACHE_CAPACITY = 50_000;

/**
 * Finds the enrollment group whose primary or secondary key a registration token was made with.
 * Enabled groups are tried first; a disabled group still authenticates so its devices learn they are disabled.
 * Both caches exist for throughput: a polling device resends the same token many times, and deriving
 * keys for every group on every request would dominate the hot path.
 */
export class RegistrationAuthenticator {
  private idScope = "";
  private groups: EnrollmentGroup[] = [];
  private readonly deviceKeys = new BoundedCache<string, readonly string[]>(CACHE_CAPACITY);
  private readonly acceptedTokens = new BoundedCache<string, { group: EnrollmentGroup; expiry: number }>(
    CACHE_CAPACITY,
  );

  constructor(config: EmulatorConfig) {
    this.setConfig(config);
  }

  /** Key changes and group (dis|en)abling must take effect at once, so every cached verdict is dropped. */
  setConfig(config: EmulatorConfig): void {
    this.idScope = config.idScope;
    this.groups = [
      ...config.enrollmentGroups.filter((group) => group.provisioningStatus === "enabled"),
      ...config.enrollmentGroups.filter((group) => group.provisioningStatus !== "enabled"),
    ];
    this.deviceKeys.clear();
    this.acceptedTokens.clear();
  }

  authenticate(
    authorization: string | undefined,
    registrationId: string,
    nowEpochSeconds: number,
  ): EnrollmentGroup | null {
    if (authorization === undefined) return null;
    const cacheKey = `${registrationId}\n${authorization}`;
    const cached = this.acceptedTokens.get(cacheKey);
    if (cached !== undefined) return cached.expiry > nowEpochSeconds ? cached.group : null;

    const fields = parseSasToken(authorization);
    if (fields === null) return null;
    for (const group of this.groups) {
      const check = verifySasToken(fields, {
        idScope: this.idScope,
        registrationId,
        deviceKeysBase64: this.keysFor(group, registrationId),
        nowEpochSeconds,
      });
      if (check.ok) {
        this.acceptedTokens.set(cacheKey, { group, expiry: Number(fields.se) });
        return group;
      }
      // Only the signature depends on the group; any other defect fails for every group alike.
      if (check.reason !== "bad-signature") return null;
    }
    return null;
  }

  private keysFor(group: EnrollmentGroup, registrationId: string): readonly string[] {
    const cacheKey = `${group.enrollmentGroupId}\n${registrationId}`;
    let keys = this.deviceKeys.get(cacheKey);
    if (keys === undefined) {
      keys = [
        deriveDeviceKey(group.primaryKey, registrationId),
        deriveDeviceKey(group.secondaryKey, registrationId),
      ];
      this.deviceKeys.set(cacheKey, keys);
    }
    return keys;
  }
}
