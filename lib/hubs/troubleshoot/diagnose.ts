/**
 * "Why can't this device connect?": what each look-up found (the facts), turned into the steps
 * shown and one verdict. Pure, so each verdict is tested without a hub; the data-access layer
 * gathers the facts (lib/hubs/troubleshoot/troubleshoot-dal.ts). Nothing here holds a key: the
 * device key appears only as its fingerprint.
 */

export type StepId = "platform" | "dps-record" | "device-key" | "hub-identity" | "hub-connection";
export type StepOutcome = "ok" | "broken" | "unknown" | "skipped";

export type TroubleshootStep = { id: StepId; title: string; outcome: StepOutcome; summary: string };

export type TroubleshootVerdict = {
  /** True when no step broke: the device can connect as the platform expects. */
  ok: boolean;
  brokenStep: StepId | null;
  headline: string;
  nextStep: string;
};

export type DeviceFacts = {
  registrationId: string;
  status: string;
  assignedHub: string | null;
  deviceId: string | null;
  lastErrorMessage: string | null;
};

export type RecordFacts =
  | { kind: "skipped"; reason: string }
  | {
      kind: "found";
      status: string;
      assignedHub: string | null;
      deviceId: string | null;
      errorMessage: string | null;
    }
  | { kind: "not-found" }
  | { kind: "error"; message: string };

export type IdentityFacts =
  | { kind: "skipped"; reason: string }
  | {
      kind: "found";
      status: "enabled" | "disabled";
      statusReason: string | null;
      authenticationType: string;
      connectionState: string;
      lastActivityTime: string | null;
    }
  | { kind: "not-found" }
  | { kind: "error"; failureKind: string; message: string };

export type LiveFacts =
  | { kind: "skipped"; reason: string }
  | {
      kind: "checked";
      hubStatus: "connected" | "refused" | "unreachable";
      errorCode: string | null;
      errorMessage: string | null;
      nextStep: string | null;
    };

export type TroubleshootFacts = {
  device: DeviceFacts;
  /** First 8 hex digits of SHA-256 of the key derived from each group key; null while DPS is not connected. */
  keyFingerprints: { primary: string; secondary: string | null } | null;
  record: RecordFacts;
  identity: IdentityFacts;
  live: LiveFacts;
};

const TITLES: Record<StepId, string> = {
  platform: "The device in the platform",
  "dps-record": "Registration record in Azure DPS",
  "device-key": "The device's key (derived from the group key)",
  "hub-identity": "The device's identity in the IoT hub",
  "hub-connection": "Connecting to the hub as the device",
};

type Judged = TroubleshootStep & { headline?: string; next?: string };

function step(id: StepId, outcome: StepOutcome, summary: string, headline?: string, next?: string): Judged {
  return {
    id,
    title: TITLES[id],
    outcome,
    summary,
    ...(headline ? { headline } : {}),
    ...(next ? { next } : {}),
  };
}

function platformStep(device: DeviceFacts): Judged {
  if (device.status === "assigned" && device.assignedHub)
    return step(
      "platform",
      "ok",
      `Assigned to ${device.assignedHub} as device ID ${device.deviceId ?? device.registrationId}.`,
    );
  if (device.status === "failed")
    return step(
      "platform",
      "broken",
      `Provisioning failed${device.lastErrorMessage ? `: ${device.lastErrorMessage}` : "."}`,
      "The device was never given a hub: its provisioning failed.",
      "Read the error on the device page, fix its cause, then Retry provisioning.",
    );
  if (device.status === "disabled")
    return step(
      "platform",
      "broken",
      "DPS disabled this registration.",
      "DPS refuses this device: its registration is disabled.",
      "Enable the registration (or the enrollment group) in Azure DPS, then re-provision the device.",
    );
  return step(
    "platform",
    "broken",
    `Status ${device.status}: no hub assigned yet.`,
    "The device has no hub yet: it is not provisioned.",
    device.status === "assigning"
      ? "Wait for the provisioning in progress to finish, then ask again."
      : "Provision the device (Devices → Provision unassigned, or Re-provision on its page).",
  );
}

function recordStep(facts: TroubleshootFacts): Judged {
  const { record, device } = facts;
  switch (record.kind) {
    case "skipped":
      return step("dps-record", "skipped", record.reason);
    case "error":
      return step("dps-record", "unknown", `Could not read it: ${record.message}`);
    case "not-found":
      return step(
        "dps-record",
        "broken",
        "DPS has no registration record for this device.",
        "Azure DPS does not know this device any more: its registration record was deleted.",
        "Re-provision the device: it registers again and DPS assigns it a hub.",
      );
    case "found": {
      if (record.status !== "assigned")
        return step(
          "dps-record",
          "broken",
          `DPS says ${record.status}${record.errorMessage ? `: ${record.errorMessage}` : "."}`,
          `Azure DPS does not have this device assigned (it says ${record.status}).`,
          "Re-provision the device; if DPS refuses it again, read the error on the device page.",
        );
      if (
        device.assignedHub &&
        record.assignedHub &&
        record.assignedHub.toLowerCase() !== device.assignedHub.toLowerCase()
      )
        return step(
          "dps-record",
          "broken",
          `DPS assigned it to ${record.assignedHub}; the platform says ${device.assignedHub}.`,
          `Azure DPS put this device in ${record.assignedHub}, not in ${device.assignedHub} where the platform looks for it.`,
          "Re-provision the device so the platform and DPS agree on its hub.",
        );
      return step(
        "dps-record",
        "ok",
        `Assigned to ${record.assignedHub ?? "a hub"} as ${record.deviceId ?? device.registrationId}.`,
      );
    }
  }
}

function keyStep(facts: TroubleshootFacts): Judged {
  if (!facts.keyFingerprints)
    return step(
      "device-key",
      "broken",
      "Azure DPS is not connected, so the group key (and the device's key) is not known.",
      "Azure DPS is not connected: the device's key cannot be derived.",
      "An administrator connects Azure DPS under Administration → Hyperscaler Integration Center.",
    );
  const { primary, secondary } = facts.keyFingerprints;
  return step(
    "device-key",
    "ok",
    `Fingerprint ${primary} (from the primary group key)${secondary ? `; ${secondary} from the secondary` : ""}: compare with the first 8 hex digits of SHA-256 of the key on the device.`,
  );
}

function identityStep(facts: TroubleshootFacts): Judged {
  const { identity } = facts;
  const hub = facts.device.assignedHub ?? "the hub";
  switch (identity.kind) {
    case "skipped":
      return step("hub-identity", "skipped", identity.reason);
    case "error":
      return step("hub-identity", "unknown", `Could not read it: ${identity.message}`);
    case "not-found":
      return step(
        "hub-identity",
        "broken",
        `${hub} has no identity for this device.`,
        `The device's identity in ${hub} was deleted.`,
        "Re-provision the device: DPS creates its identity in the hub again.",
      );
    case "found":
      if (identity.status === "disabled")
        return step(
          "hub-identity",
          "broken",
          `Disabled${identity.statusReason ? ` (${identity.statusReason})` : ""}.`,
          `The device's identity in ${hub} is disabled: the hub turns it away.`,
          "Enable the identity in the hub if the device may connect (it may have been blocked on purpose: ask who disabled it).",
        );
      if (identity.authenticationType !== "sas")
        return step(
          "hub-identity",
          "broken",
          `Authenticates by ${identity.authenticationType}, not by a symmetric key.`,
          `The device's identity in ${hub} does not take a symmetric key, so the derived key cannot work.`,
          "Re-provision the device so DPS sets its identity up with the derived key again.",
        );
      return step(
        "hub-identity",
        "ok",
        `Enabled, symmetric key; the hub says ${identity.connectionState}${identity.lastActivityTime ? `, last activity ${identity.lastActivityTime}` : ""}.`,
      );
  }
}

function liveStep(facts: TroubleshootFacts): Judged {
  const { live } = facts;
  const hub = facts.device.assignedHub ?? "the hub";
  if (live.kind === "skipped") return step("hub-connection", "skipped", live.reason);
  if (live.hubStatus === "connected")
    return step("hub-connection", "ok", `Connected to ${hub}, read the twin, disconnected.`);
  const said = [live.errorCode ? `code ${live.errorCode}` : null, live.errorMessage]
    .filter(Boolean)
    .join(": ")
    // The hub's message may end a sentence already: the step's text adds its own full stop.
    .replace(/\.+$/, "");
  if (live.hubStatus === "unreachable")
    return step(
      "hub-connection",
      "broken",
      `No answer: ${said || "the hub could not be reached"}.`,
      `${hub} cannot be reached: the hub is down, throttling, or the network is in the way.`,
      live.nextStep ??
        "Check the hub's health in the Azure portal and the network path to it, then ask again.",
    );
  const keyRefused = live.errorCode === "4" || live.errorCode === "5";
  const identityKnown = facts.identity.kind === "found";
  return step(
    "hub-connection",
    "broken",
    `Refused: ${said}.`,
    keyRefused && identityKnown
      ? `${hub} refused the device's key: its identity holds another key than the one derived from the group key.`
      : keyRefused
        ? `${hub} refused the device: its identity is missing, disabled, or holds another key (save the hub's credentials to tell which).`
        : `${hub} refused the device.`,
    keyRefused && identityKnown
      ? "Re-provision the device: DPS writes the derived key into its identity again (the key was regenerated in the hub, or the device registered with another group key)."
      : (live.nextStep ?? "Re-provision the device, then ask again."),
  );
}

/** The steps in order, and the verdict: the first step that broke, in plain words, with what to do next. */
export function diagnose(facts: TroubleshootFacts): {
  steps: TroubleshootStep[];
  verdict: TroubleshootVerdict;
} {
  const judged = [
    platformStep(facts.device),
    recordStep(facts),
    keyStep(facts),
    identityStep(facts),
    liveStep(facts),
  ];
  const steps = judged.map(({ id, title, outcome, summary }) => ({ id, title, outcome, summary }));
  const broken = judged.find((s) => s.outcome === "broken");
  if (broken)
    return {
      steps,
      verdict: {
        ok: false,
        brokenStep: broken.id,
        headline: broken.headline ?? broken.summary,
        nextStep: broken.next ?? "",
      },
    };
  const live = facts.live;
  return {
    steps,
    verdict:
      live.kind === "checked" && live.hubStatus === "connected"
        ? {
            ok: true,
            brokenStep: null,
            headline: `Nothing is broken on the platform's side: a device with this key connects to ${facts.device.assignedHub}.`,
            nextStep:
              "Check the device itself: its registration ID, ID scope and hub, and that its key's fingerprint matches the one above.",
          }
        : {
            ok: false,
            brokenStep: null,
            headline: "No step failed, but not every step could be checked.",
            nextStep: "Read the steps marked not checked, and ask again when they can run.",
          },
  };
}
