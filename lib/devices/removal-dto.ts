import type { RemovalChoice, RemovalStepOutcome } from "@/db/schema/hub-lifecycle";

export { REMOVAL_CHOICES, type RemovalChoice, type RemovalStepOutcome } from "@/db/schema/hub-lifecycle";

/** The dialog's words for each choice (the form, the toast and the audit log say the same). */
export const REMOVAL_CHOICE_LABELS: Record<RemovalChoice, string> = {
  platform: "Remove from the platform only",
  clean: "Also delete the DPS registration record and the hub identity",
  block: "Block: disable the hub identity and keep the DPS record",
};

/** How a queued removal of several devices is announced ("Removing 3 devices …"). */
export const REMOVAL_CHOICE_PHRASES: Record<RemovalChoice, string> = {
  platform: "from the platform only",
  clean: "with their DPS registration records and hub identities",
  block: "and blocking them (hub identities disabled, DPS records kept)",
};

export const REMOVAL_CHOICE_HINTS: Record<RemovalChoice, string> = {
  platform:
    "The device keeps its registration record in Azure DPS and its identity in its IoT hub: it can still connect, and enrol again.",
  clean:
    "Nothing of the device stays in Azure: it may enrol again through the enrollment group later, as a new device.",
  block:
    "The identity stays in its hub, disabled (with who and when as its reason), and the DPS record is kept: the device cannot come back by itself.",
};

/**
 * Whether a step can be done for a device, as the preview says it before anything runs:
 * `ready` (the app may and will), `not-needed` (nothing there: no hub yet), or `unavailable`
 * with the reason (no credentials, no write right, a record that is not the app's to delete).
 */
export type StepReadiness =
  | { kind: "ready"; note: string | null }
  | { kind: "not-needed"; reason: string }
  | { kind: "unavailable"; reason: string };

/** One device in the preview: what each step would do for it. */
export type RemovalPreviewDevice = {
  id: number;
  registrationId: string;
  hub: string | null;
  hubDeviceId: string;
  dpsRecord: StepReadiness;
  hubIdentity: StepReadiness;
};

/** Counts for a selection (the dialog shows these; per device for one). */
export type RemovalPreviewCounts = {
  devices: number;
  /** Devices with a DPS record the app may delete. */
  dpsRecordDeletable: number;
  /** Devices on a hub whose saved credentials may write its registry. */
  hubWritable: number;
  /** Devices with no hub: nothing to delete or disable there. */
  noHub: number;
  /** Why the others would be left behind (or kept, when the user does not choose to leave them): reason → count. */
  dpsRecordUnavailable: Array<{ reason: string; count: number }>;
  hubUnavailable: Array<{ reason: string; count: number }>;
};

export type RemovalPreviewDto = {
  counts: RemovalPreviewCounts;
  /** Per device, for a single device or a small selection (at most PREVIEW_DEVICE_LIST). */
  devices: RemovalPreviewDevice[];
  /** The selection had devices that no longer exist. */
  missing: number;
};

export const PREVIEW_DEVICE_LIST = 20;

/** A removal that could not finish, as the device page shows it (the device stays, marked). */
export type IncompleteRemovalDto = {
  choice: RemovalChoice;
  leaveUncleanable: boolean;
  dpsRecord: RemovalStepOutcome;
  hubIdentity: RemovalStepOutcome;
  hub: string | null;
  problem: string;
  requestedByEmail: string | null;
  updatedAt: string;
};

/** The one line naming what was not done, e.g. "removal incomplete: hub identity not deleted (…)". */
export function incompleteRemovalHeadline(removal: IncompleteRemovalDto): string {
  return `Removal incomplete: ${removal.problem}`;
}
