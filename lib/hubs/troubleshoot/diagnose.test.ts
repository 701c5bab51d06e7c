import { describe, expect, it } from "vitest";
import { diagnose, type TroubleshootFacts } from "./diagnose";

const HUB = "hub-a.azure-devices.net";

function healthy(): TroubleshootFacts {
  return {
    device: {
      registrationId: "sensor-1",
      status: "assigned",
      assignedHub: HUB,
      deviceId: "sensor-1",
      lastErrorMessage: null,
    },
    keyFingerprints: { primary: "0a1b2c3d", secondary: null },
    record: { kind: "found", status: "assigned", assignedHub: HUB, deviceId: "sensor-1", errorMessage: null },
    identity: {
      kind: "found",
      status: "enabled",
      statusReason: null,
      authenticationType: "sas",
      connectionState: "Disconnected",
      lastActivityTime: null,
    },
    live: { kind: "checked", hubStatus: "connected", errorCode: null, errorMessage: null, nextStep: null },
  };
}

const refused = (code: string) =>
  ({
    kind: "checked",
    hubStatus: "refused",
    errorCode: code,
    errorMessage: "Not authorized.",
    nextStep: "Re-provision.",
  }) as const;

describe("the troubleshooter's verdict", () => {
  it("says nothing is broken when every step passes, and points at the device itself", () => {
    const { verdict, steps } = diagnose(healthy());
    expect(verdict).toMatchObject({ ok: true, brokenStep: null });
    expect(verdict.nextStep).toMatch(/fingerprint/);
    expect(steps.map((s) => s.outcome)).toEqual(["ok", "ok", "ok", "ok", "ok"]);
  });

  it("names the hub identity for a deleted identity, before the refused connection it causes", () => {
    const { verdict } = diagnose({ ...healthy(), identity: { kind: "not-found" }, live: refused("5") });
    expect(verdict).toMatchObject({ ok: false, brokenStep: "hub-identity" });
    expect(verdict.headline).toMatch(/identity .* was deleted/);
    expect(verdict.nextStep).toMatch(/Re-provision/);
  });

  it("names the hub identity for a disabled identity", () => {
    const { verdict } = diagnose({
      ...healthy(),
      identity: {
        ...(healthy().identity as Extract<TroubleshootFacts["identity"], { kind: "found" }>),
        status: "disabled",
        statusReason: "blocked",
      },
      live: refused("3"),
    });
    expect(verdict).toMatchObject({ brokenStep: "hub-identity" });
    expect(verdict.headline).toMatch(/disabled/);
  });

  it("names the connection and the key when the identity is there but the hub refuses the derived key", () => {
    const { verdict } = diagnose({ ...healthy(), live: refused("4") });
    expect(verdict).toMatchObject({ brokenStep: "hub-connection" });
    expect(verdict.headline).toMatch(/refused the device's key/);
    expect(verdict.nextStep).toMatch(/writes the derived key/);
  });

  it("quotes the hub's own sentence once, without doubling its full stop", () => {
    const { steps } = diagnose({ ...healthy(), live: refused("3") });
    const connection = steps.find((s) => s.id === "hub-connection")!;
    expect(connection.summary).toBe("Refused: code 3: Not authorized.");
  });

  it("without hub credentials, a refused key says what it may be and how to tell", () => {
    const { verdict, steps } = diagnose({
      ...healthy(),
      identity: { kind: "skipped", reason: "No credentials are saved." },
      live: refused("5"),
    });
    expect(steps.find((s) => s.id === "hub-identity")?.outcome).toBe("skipped");
    expect(verdict.headline).toMatch(/missing, disabled, or holds another key/);
  });

  it("names the connection for an unreachable hub, even when its identity could not be read either", () => {
    const { verdict, steps } = diagnose({
      ...healthy(),
      identity: { kind: "error", failureKind: "unreachable", message: "hub-a answered unreachable." },
      live: {
        kind: "checked",
        hubStatus: "unreachable",
        errorCode: null,
        errorMessage: "timed out",
        nextStep: null,
      },
    });
    expect(steps.find((s) => s.id === "hub-identity")?.outcome).toBe("unknown");
    expect(verdict).toMatchObject({ brokenStep: "hub-connection" });
    expect(verdict.headline).toMatch(/cannot be reached/);
  });

  it("names DPS's record when DPS no longer has one, or placed the device in another hub", () => {
    expect(diagnose({ ...healthy(), record: { kind: "not-found" } }).verdict.brokenStep).toBe("dps-record");
    const moved = diagnose({
      ...healthy(),
      record: {
        kind: "found",
        status: "assigned",
        assignedHub: "hub-b.azure-devices.net",
        deviceId: "sensor-1",
        errorMessage: null,
      },
    });
    expect(moved.verdict).toMatchObject({ brokenStep: "dps-record" });
    expect(moved.verdict.headline).toMatch(/hub-b/);
  });

  it("names the platform for a device never provisioned, and the key when DPS is not connected", () => {
    const pending = diagnose({
      ...healthy(),
      device: { ...healthy().device, status: "pending", assignedHub: null },
      identity: { kind: "skipped", reason: "No hub." },
      live: { kind: "skipped", reason: "No hub." },
    });
    expect(pending.verdict).toMatchObject({ brokenStep: "platform" });
    const disconnected = diagnose({
      ...healthy(),
      keyFingerprints: null,
      live: { kind: "skipped", reason: "DPS not connected." },
    });
    expect(disconnected.verdict).toMatchObject({ brokenStep: "device-key" });
  });

  it("does not call a run healthy when a step could not be checked", () => {
    const { verdict } = diagnose({ ...healthy(), live: { kind: "skipped", reason: "DPS not connected." } });
    expect(verdict).toMatchObject({ ok: false, brokenStep: null });
  });
});
