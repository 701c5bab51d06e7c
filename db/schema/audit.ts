import { bigserial, index, jsonb, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./users";

export const auditOutcomeEnum = pgEnum("audit_outcome", ["success", "failure", "denied"]);

export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    actorId: uuid().references(() => users.id, { onDelete: "set null" }),
    // Kept as text too, so the record still names the actor if the account changes later.
    actorEmail: text(),
    action: text().notNull(),
    target: text(),
    outcome: auditOutcomeEnum().notNull(),
    detail: jsonb().$type<Record<string, unknown>>(),
    clientAddress: text(),
  },
  (t) => [index("audit_log_action_idx").on(t.action, t.id)],
);

export type AuditRow = typeof auditLog.$inferSelect;
