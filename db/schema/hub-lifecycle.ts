import { bigint, boolean, index, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { devices } from "./devices";
import { users } from "./users";
import { ownedBy } from "./owned-by";

/** The three ways to remove a device (lib/devices/removal.ts says what each step does). */
export const REMOVAL_CHOICES = ["platform", "clean", "block"] as const;
export type RemovalChoice = (typeof REMOVAL_CHOICES)[number];

/**
 * What one step of a removal came to: `done` (deleted, or disabled for a block), `already-gone`
 * (a 404: counted as done), `left` (the user chose to leave what the app may not touch), `failed`
 * (the device stays, retryable), `skipped` (not part of the choice, or nothing to do: no hub).
 */
export const REMOVAL_STEP_OUTCOMES = ["done", "already-gone", "left", "failed", "skipped"] as const;
export type RemovalStepOutcome = (typeof REMOVAL_STEP_OUTCOMES)[number];

/**
 * A removal that could not finish: the device stays in the platform, visibly marked, with what each
 * step came to and why the failing one failed, until a retry finishes it (the row goes with the
 * device) or someone keeps the device after all. Never a secret in `problem`.
 */
export const deviceRemovals = pgTable("device_removals", {
  deviceId: bigint({ mode: "number" })
    .primaryKey()
    .references(() => devices.id, { onDelete: "cascade" }),
  choice: text().$type<RemovalChoice>().notNull(),
  /** Leave the DPS record or hub identity the app may not touch (no credentials, not its own) and remove anyway. */
  leaveUncleanable: boolean().notNull().default(false),
  dpsRecord: text().$type<RemovalStepOutcome>().notNull(),
  hubIdentity: text().$type<RemovalStepOutcome>().notNull(),
  /** The hub the identity step was about. */
  hub: text(),
  /** One line naming the step that failed and why ("hub identity not deleted: …"). */
  problem: text().notNull(),
  requestedById: uuid().references(() => users.id, { onDelete: "set null" }),
  requestedByEmail: text(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/**
 * A device that moved to another hub while "clean the old hub" was on: its identity in the old hub
 * is to be deleted (lib/hubs/move-cleanup.ts). Written by a trigger on devices in the statement
 * that records the move, so no move is missed whichever process records it.
 */
export const hubMoveCleanups = pgTable(
  "hub_move_cleanups",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    deviceId: ownedBy(() => devices.id),
    oldHub: text().notNull(),
    /** The device's identity name in the old hub (DPS's device ID then, else its registration ID). */
    hubDeviceId: text().notNull(),
    newHub: text().notNull(),
    movedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    tries: integer().notNull().default(0),
    nextTryAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    leaseUntil: timestamp({ withTimezone: true }),
  },
  (t) => [index("hub_move_cleanups_due_idx").on(t.nextTryAt)],
);

export type DeviceRemovalRow = typeof deviceRemovals.$inferSelect;
