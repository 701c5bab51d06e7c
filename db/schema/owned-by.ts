import { bigint, type AnyPgColumn } from "drizzle-orm/pg-core";

/** A row owned by another: the owner's id, and the row deleted with it. */
export function ownedBy(parent: () => AnyPgColumn) {
  return bigint({ mode: "number" }).notNull().references(parent, { onDelete: "cascade" });
}
