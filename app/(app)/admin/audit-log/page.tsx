import type { Metadata } from "next";
import Link from "next/link";
import { guardPage } from "@/lib/auth/guard-page";
import { listAuditEntries } from "@/lib/audit/audit-dal";
import { PageHeader } from "@/components/shell/page-header";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { Badge } from "@/components/ui/badge";
import { formatDateTime } from "@/lib/format";

export const metadata: Metadata = { title: "Audit log" };

const OUTCOME_TONE = { success: "success", failure: "warning", denied: "danger" } as const;

function describe(detail: Record<string, unknown> | null): string {
  if (!detail) return "";
  return Object.entries(detail)
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(", ");
}

export default async function AuditLogPage({ searchParams }: { searchParams: Promise<{ before?: string }> }) {
  await guardPage("audit.view");
  const { before } = await searchParams;
  const beforeId = before && /^\d{1,18}$/.test(before) ? Number(before) : undefined;
  const { entries, nextBeforeId, total } = await listAuditEntries(beforeId);
  return (
    <>
      <PageHeader
        title="Audit log"
        description={`Every sign-in, change and refused attempt, newest first. ${total.toLocaleString("en")} records in all.`}
      />
      <Table aria-label="Audit log">
        <TableHeader>
          <tr>
            <TableHead>Time</TableHead>
            <TableHead>Actor</TableHead>
            <TableHead>Action</TableHead>
            <TableHead>Target</TableHead>
            <TableHead>Outcome</TableHead>
            <TableHead>Details</TableHead>
          </tr>
        </TableHeader>
        <TableBody>
          {entries.length === 0 ? (
            <TableRow>
              <TableCell colSpan={6} className="py-8 text-center text-muted-foreground">
                No records on this page.
              </TableCell>
            </TableRow>
          ) : (
            entries.map((e) => (
              <TableRow key={e.id}>
                <TableCell className="whitespace-nowrap">{formatDateTime(e.at)}</TableCell>
                <TableCell>{e.actor ?? "—"}</TableCell>
                <TableCell className="font-mono text-xs">{e.action}</TableCell>
                <TableCell>{e.target ?? "—"}</TableCell>
                <TableCell>
                  <Badge tone={OUTCOME_TONE[e.outcome]}>{e.outcome}</Badge>
                </TableCell>
                <TableCell className="max-w-md text-xs text-muted-foreground">
                  {describe(e.detail)}
                  {e.clientAddress ? <span className="block">from {e.clientAddress}</span> : null}
                </TableCell>
              </TableRow>
            ))
          )}
        </TableBody>
      </Table>
      <nav aria-label="Pages" className="mt-4 flex gap-3 text-sm">
        {beforeId ? (
          <Link href="/admin/audit-log" className="text-link underline">
            Newest
          </Link>
        ) : null}
        {nextBeforeId ? (
          <Link href={`/admin/audit-log?before=${nextBeforeId}`} className="text-link underline">
            Older
          </Link>
        ) : null}
      </nav>
    </>
  );
}
