import { z } from "zod";
import { filterText } from "./filter-text";

/** The Registration records view's filters, in the URL so support staff can share a link. Bad values fall back to defaults. */
export const FINDING_FILTERS = [
  "all",
  "orphan",
  "never-registered",
  "differs",
  "hub",
  "status",
  "device-id",
  "agrees",
] as const;
export type FindingFilter = (typeof FINDING_FILTERS)[number];

export const FINDING_FILTER_LABELS: Record<FindingFilter, string> = {
  all: "Everything",
  orphan: "In DPS only (orphans)",
  "never-registered": "In the platform only (never registered)",
  differs: "Disagreements (any)",
  hub: "Hub differs",
  status: "Status differs",
  "device-id": "Device ID differs",
  agrees: "In agreement",
};

const noControl = (value: string) => !/[\u0000-\u001f\u007f]/.test(value);

export const registrationRecordsFilterSchema = z.object({
  finding: z.enum(FINDING_FILTERS).default("all").catch("all"),
  hub: filterText(255),
  q: filterText(128),
  after: z.string().max(400).optional().catch(undefined),
  before: z.string().max(400).optional().catch(undefined),
});
export type RegistrationRecordsFilter = z.output<typeof registrationRecordsFilterSchema>;

/** "Reconcile now" takes no input; the stored group and policy decide what is read. */
export const reconcileSchema = z.object({});

export const deleteOrphanSchema = z.object({
  registrationId: z
    .string()
    .trim()
    .min(1, "Which registration?")
    .max(128)
    .refine(noControl, "Which registration?"),
});
