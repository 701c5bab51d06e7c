import { sql } from "drizzle-orm";
import { pgEnum, pgTable, text, timestamp, uuid, uniqueIndex, integer } from "drizzle-orm/pg-core";

export const roleEnum = pgEnum("role", ["admin", "operator", "support"]);

export const users = pgTable(
  "users",
  {
    id: uuid().primaryKey().defaultRandom(),
    email: text().notNull(),
    name: text(),
    passwordHash: text().notNull(),
    role: roleEnum().notNull(),
    disabledAt: timestamp({ withTimezone: true }),
    lastSignInAt: timestamp({ withTimezone: true }),
    // Carried in every session token; raising it ends every session issued before (password change,
    // disable, "Sign out everywhere").
    sessionGeneration: integer().notNull().default(0),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("users_email_lower_idx").on(sql`lower(${t.email})`)],
);

/** Failed sign-ins per account and per client address, so throttling holds across app processes. */
export const signInThrottle = pgTable("sign_in_throttle", {
  key: text().primaryKey(),
  failures: integer().notNull().default(0),
  windowStartedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  lockedUntil: timestamp({ withTimezone: true }),
});

/**
 * Sessions ended by signing out, until their token would have expired anyway: a copied session
 * cookie stops working the moment its owner signs out (the token itself is stateless).
 */
export const endedSessions = pgTable("ended_sessions", {
  sessionId: text().primaryKey(),
  expiresAt: timestamp({ withTimezone: true }).notNull(),
});

export type UserRow = typeof users.$inferSelect;
