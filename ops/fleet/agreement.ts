import type { Role } from "@/lib/env";

/**
 * What every instance sharing a database must agree on, and the one line that says so when one
 * does not. Pure: ops/fleet/registry.ts feeds it the running instances it read under a lock.
 */

/** How long an instance counts as running after its last heartbeat (every HEARTBEAT_SECONDS). */
export const FLEET_TTL_SECONDS = 20;
export const HEARTBEAT_SECONDS = 5;

export type InstanceFacts = {
  role: Role;
  host: string;
  pid: number;
  buildId: string | null;
  actionsKeyFingerprint: string | null;
  authSecretFingerprint: string | null;
  secretKeyFingerprint: string;
};

export type RunningInstance = InstanceFacts & {
  serving: boolean;
  /** When its build first joined the fleet (web roles). */
  buildFirstSeenAt: Date | null;
};

export const servesPages = (role: Role) => role === "web" || role === "all";

function describe(instances: RunningInstance[]): string {
  const shown = instances
    .slice(0, 3)
    .map((i) => `${i.role === "worker" ? "worker" : "web server"} on ${i.host}, pid ${i.pid}`);
  return `${instances.length} running: ${shown.join("; ")}${instances.length > 3 ? "; …" : ""}`;
}

/**
 * Null when `me` may join the running instances; otherwise why not, as one line. Keys must match
 * always (a mismatch is never intended); between builds the newer one wins: an instance of a build
 * that joined the fleet before the one the running web servers serve is refused, a new build is
 * admitted (and the older web servers turn unready once it serves: ops/fleet/readiness.ts).
 */
export function refusalFor(
  me: InstanceFacts,
  myBuildFirstSeenAt: Date | null,
  running: RunningInstance[],
): string | null {
  const differentSecretKey = running.filter(
    (other) => other.secretKeyFingerprint !== me.secretKeyFingerprint,
  );
  if (differentSecretKey.length > 0) {
    return (
      `Refusing to start: HIC_SECRET_KEY differs from the one the running instances use (${describe(differentSecretKey)}). ` +
      "Every web server and worker sharing a database needs the same HIC_SECRET_KEY, or the stored DPS key cannot be read."
    );
  }
  if (!servesPages(me.role)) return null;
  const webServers = running.filter((other) => servesPages(other.role));
  const differentActionsKey = webServers.filter(
    (other) => other.actionsKeyFingerprint !== me.actionsKeyFingerprint,
  );
  if (differentActionsKey.length > 0) {
    return (
      `Refusing to start: NEXT_SERVER_ACTIONS_ENCRYPTION_KEY differs from the one the running web servers use (${describe(differentActionsKey)}). ` +
      "Every web server behind one load balancer needs the same key, when building and when running; otherwise a form rendered by one server " +
      'fails on another with "Failed to find Server Action".'
    );
  }
  const differentAuthSecret = webServers.filter(
    (other) => other.authSecretFingerprint !== me.authSecretFingerprint,
  );
  if (differentAuthSecret.length > 0) {
    return (
      `Refusing to start: AUTH_SECRET differs from the one the running web servers use (${describe(differentAuthSecret)}). ` +
      "Every web server needs the same AUTH_SECRET, or a session signed by one is refused by another."
    );
  }
  const newer = webServers.filter(
    (other) =>
      other.serving &&
      other.buildId !== me.buildId &&
      other.buildFirstSeenAt &&
      myBuildFirstSeenAt &&
      other.buildFirstSeenAt > myBuildFirstSeenAt,
  );
  if (newer.length > 0) {
    return (
      `Refusing to start: this web server's build (${me.buildId}) is older than build ${newer[0]!.buildId}, which the running web servers serve (${describe(newer)}). ` +
      "Start the newer release here, or stop those web servers first to go back to this one."
    );
  }
  return null;
}
