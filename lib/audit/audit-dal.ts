import "server-only";
import { desc, lt, count } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { auditLog } from "@/db/schema";
import { requirePermission } from "@/lib/auth/current-user";

export type AuditEntryDto = {
  id: number;
  at: string;
  actor: string | null;
  action: string;
  target: string | null;
  outcome: "success" | "failure" | "denied";
  detail: Record<string, unknown> | null;
  clientAddress: string | null;
};

export const AUDIT_PAGE_SIZE = 50;

/**
 * Newest first, keyset-paged by id (ids grow with insertion time) so deep pages cost the same as
 * the first; timestamps are not used as the cursor because Postgres keeps microseconds and JS does not.
 */
export async function listAuditEntries(
  beforeId?: number,
): Promise<{ entries: AuditEntryDto[]; nextBeforeId: number | null; total: number }> {
  await requirePermission("audit.view");
  const db = getDb();
  const rows = await db
    .select()
    .from(auditLog)
    .where(beforeId ? lt(auditLog.id, beforeId) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(AUDIT_PAGE_SIZE + 1);
  const [{ value: total }] = (await db.select({ value: count() }).from(auditLog)) as [{ value: number }];
  const page = rows.slice(0, AUDIT_PAGE_SIZE);
  const last = page.at(-1);
  return {
    entries: page.map((r) => ({
      id: r.id,
      at: r.at.toISOString(),
      actor: r.actorEmail,
      action: r.action,
      target: r.target,
      outcome: r.outcome,
      detail: r.detail ?? null,
      clientAddress: r.clientAddress,
    })),
    nextBeforeId: rows.length > AUDIT_PAGE_SIZE && last ? last.id : null,
    total,
  };
}
