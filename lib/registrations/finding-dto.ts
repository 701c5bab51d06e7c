import type { FindingKind } from "@/db/schema/registrations";

/** One row of the Registration records view: a registration ID, what DPS says, what the platform says. */
export type FindingDto = {
  registrationId: string;
  kind: FindingKind;
  differences: ("hub" | "status" | "device-id")[];
  dpsStatus: string | null;
  dpsHub: string | null;
  dpsDeviceId: string | null;
  dpsUpdatedAt: string | null;
  /** The platform's device (a link to it), when there is one. */
  devicePk: number | null;
  platformStatus: string | null;
  platformHub: string | null;
  platformDeviceId: string | null;
};

export const FINDING_KIND_LABELS: Record<FindingKind, string> = {
  orphan: "In DPS only",
  "never-registered": "In the platform only",
  differs: "Disagree",
  agrees: "Agree",
};

const DIFFERENCE_LABELS = { hub: "hub", status: "status", "device-id": "device ID" } as const;

/** "Disagree: hub, status" — the kind in words, for the table and the CSV. */
export function describeFinding(finding: Pick<FindingDto, "kind" | "differences">): string {
  if (finding.kind !== "differs") return FINDING_KIND_LABELS[finding.kind];
  return `${FINDING_KIND_LABELS.differs}: ${finding.differences.map((d) => DIFFERENCE_LABELS[d]).join(", ")}`;
}

/** The view's columns, in order: the table's headings and the CSV export's fields both come from here. */
export const FINDING_COLUMNS = [
  {
    id: "registrationId",
    label: "Registration ID",
    csv: "registrationId",
    value: (f: FindingDto) => f.registrationId,
  },
  { id: "finding", label: "Finding", csv: "finding", value: (f: FindingDto) => describeFinding(f) },
  { id: "dpsStatus", label: "DPS status", csv: "dpsStatus", value: (f: FindingDto) => f.dpsStatus ?? "" },
  { id: "dpsHub", label: "Hub in DPS", csv: "dpsAssignedHub", value: (f: FindingDto) => f.dpsHub ?? "" },
  {
    id: "platformStatus",
    label: "Platform status",
    csv: "platformStatus",
    value: (f: FindingDto) => f.platformStatus ?? "",
  },
  {
    id: "platformHub",
    label: "Hub in the platform",
    csv: "platformAssignedHub",
    value: (f: FindingDto) => f.platformHub ?? "",
  },
  {
    id: "dpsDeviceId",
    label: "Device ID in DPS",
    csv: "dpsDeviceId",
    value: (f: FindingDto) => f.dpsDeviceId ?? "",
  },
  {
    id: "platformDeviceId",
    label: "Device ID in the platform",
    csv: "platformDeviceId",
    value: (f: FindingDto) => f.platformDeviceId ?? "",
  },
  {
    id: "dpsUpdatedAt",
    label: "Last updated in DPS",
    csv: "dpsLastUpdated",
    value: (f: FindingDto) => f.dpsUpdatedAt ?? "",
  },
] as const;

export type FindingColumnId = (typeof FINDING_COLUMNS)[number]["id"];
