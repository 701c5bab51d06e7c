import { boolean, index, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/**
 * Every running instance (one `npm start` or `npm run worker`) sharing this database, kept fresh
 * by its heartbeat (ops/fleet). What must agree across instances is recorded as fingerprints,
 * never the secrets: an instance whose keys or build disagree with the running ones refuses to start.
 */
export const fleetInstances = pgTable(
  "fleet_instances",
  {
    id: uuid().primaryKey(),
    /** HIC_ROLE: all, web or worker. */
    role: text().notNull(),
    host: text().notNull(),
    pid: integer().notNull(),
    /** The web server's build (null for a worker): ops/launcher/build-id.cjs. */
    buildId: text(),
    actionsKeyFingerprint: text(),
    authSecretFingerprint: text(),
    secretKeyFingerprint: text().notNull(),
    /** The code's newest migration. */
    schemaVersion: text().notNull(),
    startedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** Set once the instance answers requests (web) or works (worker). */
    serving: boolean().notNull().default(false),
    seenAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index().on(table.seenAt)],
);

/**
 * Every web build that ever joined, in the order they first did: a build that joins later is the
 * newer one (a rolling upgrade), and the older build's web servers turn unready once it serves.
 */
export const fleetBuilds = pgTable("fleet_builds", {
  buildId: text().primaryKey(),
  firstSeenAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

export type FleetInstanceRow = typeof fleetInstances.$inferSelect;
