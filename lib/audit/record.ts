import { getDb } from "@/lib/database";
import { auditLog } from "@/db/schema";
import type { AuditAction } from "./actions";
import type { Actor } from "./actor";

export type AuditOutcome = "success" | "failure" | "denied";

export type AuditEntry = {
  actor?: Actor;
  action: AuditAction;
  target?: string | null;
  outcome: AuditOutcome;
  detail?: Record<string, unknown>;
  clientAddress?: string | null;
};

/** Appends one record. Callers pass only what may be shown to an auditor: never a password or key. */
export async function recordAudit(entry: AuditEntry): Promise<void> {
  await getDb()
    .insert(auditLog)
    .values({
      actorId: entry.actor?.id ?? null,
      actorEmail: entry.actor?.email ?? null,
      action: entry.action,
      target: entry.target ?? null,
      outcome: entry.outcome,
      detail: entry.detail ?? null,
      clientAddress: entry.clientAddress ?? null,
    });
}
