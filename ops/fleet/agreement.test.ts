import { describe, expect, it } from "vitest";
import { refusalFor, type InstanceFacts, type RunningInstance } from "./agreement";

const web = (overrides: Partial<InstanceFacts> = {}): InstanceFacts => ({
  role: "web",
  host: "web-a",
  pid: 100,
  buildId: "hic-build-1",
  actionsKeyFingerprint: "actions-1",
  authSecretFingerprint: "auth-1",
  secretKeyFingerprint: "kek-1",
  ...overrides,
});
const running = (facts: InstanceFacts, extra: Partial<RunningInstance> = {}): RunningInstance => ({
  ...facts,
  serving: true,
  buildFirstSeenAt: new Date("2026-01-01T10:00:00Z"),
  ...extra,
});
const worker = (overrides: Partial<InstanceFacts> = {}): InstanceFacts => ({
  ...web({ role: "worker", buildId: null, actionsKeyFingerprint: null, authSecretFingerprint: null }),
  ...overrides,
});
const SAME_TIME = new Date("2026-01-01T10:00:00Z");

describe("who may join the instances sharing a database", () => {
  it("admits an instance that agrees with every running one", () => {
    expect(refusalFor(web({ host: "web-b" }), SAME_TIME, [running(web()), running(worker())])).toBeNull();
    expect(refusalFor(worker({ host: "worker-b" }), null, [running(web()), running(worker())])).toBeNull();
    expect(refusalFor(web(), SAME_TIME, [])).toBeNull();
  });

  it("refuses a different server-actions key, naming the variable, the running servers and the failure it prevents", () => {
    const line = refusalFor(web({ host: "web-b", actionsKeyFingerprint: "actions-2" }), SAME_TIME, [
      running(web()),
    ]);
    expect(line).toMatch(/^Refusing to start: NEXT_SERVER_ACTIONS_ENCRYPTION_KEY differs/);
    expect(line).toContain("web server on web-a, pid 100");
    expect(line).toContain("Failed to find Server Action");
    expect(line!.split("\n")).toHaveLength(1);
  });

  it("refuses a different AUTH_SECRET between web servers, and a different HIC_SECRET_KEY anywhere", () => {
    expect(refusalFor(web({ authSecretFingerprint: "auth-2" }), SAME_TIME, [running(web())])).toMatch(
      /AUTH_SECRET differs/,
    );
    expect(refusalFor(worker({ secretKeyFingerprint: "kek-2" }), null, [running(web())])).toMatch(
      /HIC_SECRET_KEY differs/,
    );
    expect(refusalFor(web({ secretKeyFingerprint: "kek-2" }), SAME_TIME, [running(worker())])).toMatch(
      /HIC_SECRET_KEY differs.*worker on web-a/,
    );
  });

  it("lets workers differ from web servers in what only web servers use", () => {
    expect(
      refusalFor(worker(), null, [
        running(
          web({ actionsKeyFingerprint: "other", authSecretFingerprint: "other", buildId: "hic-other" }),
        ),
      ]),
    ).toBeNull();
  });

  it("admits a newer build (a rolling upgrade) and refuses an older one while the newer one serves", () => {
    const later = new Date("2026-01-02T10:00:00Z");
    expect(refusalFor(web({ buildId: "hic-build-2" }), later, [running(web())])).toBeNull();
    const line = refusalFor(web({ buildId: "hic-build-1" }), SAME_TIME, [
      running(web({ buildId: "hic-build-2" }), { buildFirstSeenAt: later }),
    ]);
    expect(line).toMatch(
      /^Refusing to start: this web server's build \(hic-build-1\) is older than build hic-build-2/,
    );
    // A newer build still starting (not serving yet) does not block the older one's restart.
    expect(
      refusalFor(web(), SAME_TIME, [
        running(web({ buildId: "hic-build-2" }), { buildFirstSeenAt: later, serving: false }),
      ]),
    ).toBeNull();
  });
});
