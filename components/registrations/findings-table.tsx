import Link from "next/link";
import type { FindingDto } from "@/lib/registrations/finding-dto";
import { describeFinding, FINDING_COLUMNS, type FindingColumnId } from "@/lib/registrations/finding-dto";
import { formatDateTime } from "@/lib/format";
import { Badge } from "@/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { DeleteOrphanDialog } from "./delete-orphan-dialog";

const none = <span className="text-muted-foreground">—</span>;

const TONE = { orphan: "warning", "never-registered": "info", differs: "danger", agrees: "success" } as const;

/** One cell per column of FINDING_COLUMNS, which also orders the CSV export. */
const CELLS: Record<
  FindingColumnId,
  { className?: string; render: (finding: FindingDto) => React.ReactNode }
> = {
  registrationId: {
    className: "whitespace-nowrap font-mono text-xs",
    render: (f) =>
      f.devicePk ? (
        <Link href={`/devices/${f.devicePk}`} className="text-link underline-offset-2 hover:underline">
          {f.registrationId}
        </Link>
      ) : (
        f.registrationId
      ),
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
    <Table aria-label="Registration records">
      <TableHeader>
        <tr>
          {FINDING_COLUMNS.map((column) => (
            <TableHead key={column.id}>{column.label}</TableHead>
          ))}
          {canDelete ? (
            <TableHead>
              <span className="sr-only">Action</span>
            </TableHead>
          ) : null}
        </tr>
      </TableHeader>
      <TableBody>
        {findings.length === 0 ? (
          <TableRow>
            <TableCell
              colSpan={FINDING_COLUMNS.length + (canDelete ? 1 : 0)}
              className="py-10 text-center text-muted-foreground"
            >
              No registration record matches. Clear the filters, or reconcile to read DPS again.
            </TableCell>
          </TableRow>
        ) : (
          findings.map((finding) => (
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
          ))
        )}
      </TableBody>
    </Table>
  );
}
