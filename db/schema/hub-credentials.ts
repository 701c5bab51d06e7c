import { integer, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./users";

/** lib/iot-hub/service's HubRights, spelled out here because the schema imports nothing from lib/. */
export type StoredHubRights = { registryRead: boolean; registryWrite: boolean };

/**
 * A hub's service credential (one of its shared access policies), optional, one row per hub host:
 * the policy name in clear, the key only as an envelope (lib/secrets) bound to the hub host, so a
 * key copied to another hub's row does not decrypt. What the policy may do is learnt by probing
 * (`rights`, null = not probed) and kept with when; `rights_error` says why the last probe failed,
 * in words without a secret. `version` guards concurrent edits.
 */
export const hubCredentials = pgTable("hub_credentials", {
  /** Lower case, as lib/iot-hub/service parses a connection string's HostName. */
  hubHost: text().primaryKey(),
  policyName: text().notNull(),
  keyCiphertext: text().notNull(),
  rights: jsonb().$type<StoredHubRights>(),
  rightsCheckedAt: timestamp({ withTimezone: true }),
  rightsError: text(),
  savedBy: uuid().references(() => users.id, { onDelete: "set null" }),
  savedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  version: integer().notNull().default(1),
});

export type HubCredentialRow = typeof hubCredentials.$inferSelect;
