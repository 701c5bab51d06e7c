import type { FindingDto } from "@/lib/registrations/finding-dto";
import { describeFinding, FINDING_COLUMNS, type FindingColumnId } from "@/lib/registrations/finding-dto";
import { formatDateTime } from "@/lib/format";
import { Badge } from "@/components/ui/badge";
import { TableCell, TableRow } from "@/components/ui/table";
import { DeviceLink, FindingsTableFrame, none } from "@/components/findings/findings-table-frame";
import { DeleteOrphanDialog } from "./delete-orphan-dialog";

const TONE = { orphan: "warning", "never-registered": "info", differs: "danger", agrees: "success" } as const;

/** One cell per column of FINDING_COLUMNS, which also orders the CSV export. */
const CELLS: Record<
  FindingColumnId,
  { className?: string; render: (finding: FindingDto) => React.ReactNode }
> = {
  registrationId: {
    className: "whitespace-nowrap font-mono text-xs",
    render: (f) => <DeviceLink devicePk={f.devicePk}>{f.registrationId}</DeviceLink>,
  },
  finding: {
    className: "whitespace-nowrap",
    render: (f) => <Badge tone={TONE[f.kind]}>{describeFinding(f)}</Badge>,
  },
  dpsStatus: { className: "text-xs", render: (f) => f.dpsStatus ?? none },
  dpsHub: { className: "whitespace-nowrap font-mono text-xs", render: (f) => f.dpsHub ?? none },
  platformStatus: { className: "text-xs", render: (f) => f.platformStatus ?? none },
  platformHub: { className: "whitespace-nowrap font-mono text-xs", render: (f) => f.platformHub ?? none },
  dpsDeviceId: { className: "whitespace-nowrap font-mono text-xs", render: (f) => f.dpsDeviceId ?? none },
  platformDeviceId: {
    className: "whitespace-nowrap font-mono text-xs",
    render: (f) => f.platformDeviceId ?? none,
  },
  dpsUpdatedAt: {
    className: "whitespace-nowrap text-xs",
    render: (f) => (f.dpsUpdatedAt ? formatDateTime(f.dpsUpdatedAt) : none),
  },
};

/** The findings of the last reconciliation: what DPS says beside what the platform says, and for orphans the one action there is. */
export function FindingsTable({ findings, canDelete }: { findings: FindingDto[]; canDelete: boolean }) {
  return (
    <FindingsTableFrame
      label="Registration records"
      headings={FINDING_COLUMNS.map((column) => column.label)}
      canAct={canDelete}
      empty="No registration record matches. Clear the filters, or reconcile to read DPS again."
      rows={findings.map((finding) => (
        <TableRow key={finding.registrationId}>
          {FINDING_COLUMNS.map(({ id }) => (
            <TableCell key={id} className={CELLS[id].className}>
              {CELLS[id].render(finding)}
            </TableCell>
          ))}
          {canDelete ? (
            <TableCell>
              {finding.kind === "orphan" ? (
                <DeleteOrphanDialog registrationId={finding.registrationId} hub={finding.dpsHub} />
              ) : null}
            </TableCell>
          ) : null}
        </TableRow>
      ))}
    />
  );
}
