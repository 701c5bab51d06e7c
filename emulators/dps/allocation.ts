import { createHash } from "node:crypto";

import type { LinkedHub } from "./config";

/**
 * A stable point in [0, 1) for a registration ID. DPS treats IDs case-insensitively, so the
 * lower-cased ID is hashed: the same device lands on the same hub whatever case it registers with.
 */
export function hashPoint(registrationId: string): number {
  const digest = createHash("sha256").update(registrationId.toLowerCase(), "utf8").digest();
  // 48 bits keep the result an exact double and are plenty to spread millions of devices.
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** The hub whose slice of the cumulative weights contains `point`, so each hub gets weight / total of the devices. */
export function pickWeighted(hubs: readonly LinkedHub[], point: number): LinkedHub | undefined {
  const total = hubs.reduce((sum, hub) => sum + hub.allocationWeight, 0);
  let threshold = point * total;
  for (const hub of hubs) {
    threshold -= hub.allocationWeight;
    if (threshold < 0) return hub;
  }
  return hubs.at(-1);
}

export type BuiltInPolicy = "hashed" | "geoLatency" | "static";

/**
 * Chooses a hub among the group's candidates. `undefined` means no hub is eligible (configuration
 * validation prevents it, but a runtime change of hubs is re-checked here rather than trusted).
 */
export function allocateHub(
  policy: BuiltInPolicy,
  candidates: readonly LinkedHub[],
  registrationId: string,
): LinkedHub | undefined {
  if (policy === "static") return candidates[0];
  const eligible = candidates.filter((hub) => hub.applyAllocationPolicy);
  if (policy === "hashed") return pickWeighted(eligible, hashPoint(registrationId));
  const latencyOf = (hub: LinkedHub) => hub.latencyMs ?? Number.POSITIVE_INFINITY;
  const lowest = Math.min(...eligible.map(latencyOf));
  return pickWeighted(
    eligible.filter((hub) => latencyOf(hub) === lowest),
    hashPoint(registrationId),
  );
}
