import Link from "next/link";
import {
  DRIFT_KIND_HINTS,
  DRIFT_KIND_LABELS,
  type DriftFindingDto,
  type HubDriftKind,
} from "@/lib/hubs/drift/drift-finding-dto";
import { formatDateTime } from "@/lib/format";
import { Badge } from "@/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { DeleteOrphanIdentityDialog } from "./delete-orphan-identity-dialog";

const none = <span className="text-muted-foreground">—</span>;

const TONE: Record<HubDriftKind, "warning" | "info" | "danger"> = {
  missing: "danger",
  disabled: "warning",
  orphan: "warning",
  "device-id-differs": "info",
  stale: "warning",
};

/** The last drift check's findings: the hub, the identity, where each side places the device, and for orphans the one action there is. */
export function DriftTable({
  findings,
  deletableHubs,
}: {
  findings: DriftFindingDto[];
  /** Hubs whose saved policy may delete identities, when the viewer may delete orphans. */
  deletableHubs: ReadonlySet<string>;
}) {
  const canDelete = deletableHubs.size > 0;
  return (
    <Table aria-label="Hub drift">
      <TableHeader>
        <tr>
          <TableHead>IoT hub</TableHead>
          <TableHead>Device ID</TableHead>
          <TableHead>Finding</TableHead>
          <TableHead>Registration ID</TableHead>
          <TableHead>Hub in the platform</TableHead>
          <TableHead>Hub in DPS</TableHead>
          <TableHead>Identity</TableHead>
          <TableHead>Last activity</TableHead>
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
            <TableCell colSpan={canDelete ? 9 : 8} className="py-10 text-center text-muted-foreground">
              Nothing matches: no drift of this kind. Clear the filters, or check the hubs again.
            </TableCell>
          </TableRow>
        ) : (
          findings.map((f) => (
            <TableRow key={f.key}>
              <TableCell className="whitespace-nowrap font-mono text-xs">{f.hubHost}</TableCell>
              <TableCell className="whitespace-nowrap font-mono text-xs">
                {f.devicePk ? (
                  <Link
                    href={`/devices/${f.devicePk}`}
                    className="text-link underline-offset-2 hover:underline"
                  >
                    {f.deviceId}
                  </Link>
                ) : (
                  f.deviceId
                )}
              </TableCell>
              <TableCell>
                <Badge tone={TONE[f.kind]} title={DRIFT_KIND_HINTS[f.kind]}>
                  {DRIFT_KIND_LABELS[f.kind]}
                </Badge>
              </TableCell>
              <TableCell className="whitespace-nowrap font-mono text-xs">
                {f.registrationId ?? none}
              </TableCell>
              <TableCell className="whitespace-nowrap font-mono text-xs">{f.platformHub ?? none}</TableCell>
              <TableCell className="whitespace-nowrap font-mono text-xs">{f.dpsHub ?? none}</TableCell>
              <TableCell className="text-xs">
                {f.identityStatus ? (
                  <>
                    {f.identityStatus}
                    {f.statusReason ? (
                      <span className="text-muted-foreground"> ({f.statusReason})</span>
                    ) : null}
                  </>
                ) : (
                  "none"
                )}
              </TableCell>
              <TableCell className="whitespace-nowrap text-xs">
                {f.lastActivityAt ? formatDateTime(f.lastActivityAt) : none}
              </TableCell>
              {canDelete ? (
                <TableCell>
                  {f.kind === "orphan" && deletableHubs.has(f.hubHost) ? (
                    <DeleteOrphanIdentityDialog hubHost={f.hubHost} deviceId={f.deviceId} />
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
