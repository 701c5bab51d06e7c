import { integer, pgTable, text, timestamp, uuid, boolean } from "drizzle-orm/pg-core";
import { users } from "./users";

/**
 * The Azure DPS provider's settings and health: one row, `azure-dps` (lib/integrations/azure-dps).
 * Keys are stored only as AES-256-GCM ciphertext bound to this row (lib/secrets); `version` guards
 * concurrent edits. A provider with other settings gets a table of its own, and declares its
 * encrypted columns in its provider definition so `npm run secrets:rotate` covers them.
 */
export const integrations = pgTable("integrations", {
  id: text().primaryKey(),
  idScope: text(),
  host: text(),
  registrationsPerMinute: integer().notNull().default(1000),
  operationsPerMinute: integer().notNull().default(1000),
  primaryKeyCiphertext: text(),
  secondaryKeyCiphertext: text(),
  version: integer().notNull().default(0),
  updatedAt: timestamp({ withTimezone: true }),
  updatedById: uuid().references(() => users.id, { onDelete: "set null" }),
  updatedByEmail: text(),
  lastSuccessAt: timestamp({ withTimezone: true }),
  lastSuccessSummary: text(),
  lastFailureAt: timestamp({ withTimezone: true }),
  lastFailureKind: text(),
  lastFailureMessage: text(),
  consecutiveFailures: integer().notNull().default(0),
});

/** Engine-wide switches shared by every worker process. */
export const provisioningControl = pgTable("provisioning_control", {
  id: text().primaryKey(),
  paused: boolean().notNull().default(false),
  changedAt: timestamp({ withTimezone: true }),
  changedByEmail: text(),
});

export type IntegrationRow = typeof integrations.$inferSelect;
