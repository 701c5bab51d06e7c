import { z } from "zod";
import { HUB_DRIFT_KINDS } from "@/db/schema/hub-drift";

/** The Hub drift view's filters, in the URL so support staff can share a link. Bad values fall back to defaults. */
export const DRIFT_FILTERS = ["all", ...HUB_DRIFT_KINDS] as const;
export type DriftFilter = (typeof DRIFT_FILTERS)[number];

export const DRIFT_FILTER_LABELS: Record<DriftFilter, string> = {
  all: "Everything",
  missing: "Assigned here, no identity in the hub",
  disabled: "Identity disabled",
  orphan: "Unknown to DPS and the platform (orphans)",
  "device-id-differs": "Device ID differs from the registration ID",
  stale: "Stale: in a hub the device has left",
};

const noControl = (value: string) => !/[\u0000-\u001f\u007f]/.test(value);

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .refine(noControl)
    .optional()
    .catch(undefined)
    .transform((v) => v || undefined);

export const hubDriftFilterSchema = z.object({
  finding: z.enum(DRIFT_FILTERS).default("all").catch("all"),
  hub: optionalText(255),
  q: optionalText(128),
  after: z.string().max(600).optional().catch(undefined),
  before: z.string().max(600).optional().catch(undefined),
});
export type HubDriftFilter = z.output<typeof hubDriftFilterSchema>;

/** "Check hubs now" takes no input: every hub with saved credentials that may read is read. */
export const requestHubDriftSchema = z.object({});

/** Deleting an orphan identity: which hub, which device ID (as the last drift run listed it). */
export const deleteOrphanIdentitySchema = z.object({
  hubHost: z.string().trim().min(1, "Which hub?").max(255).refine(noControl, "Which hub?"),
  deviceId: z
    .string()
    .trim()
    .min(1, "Which device identity?")
    .max(128)
    .refine(noControl, "Which device identity?"),
});
