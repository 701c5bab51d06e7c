/** The records' notion of who asked lives with the schema (db/schema/actor.ts), below the engine that records it too. */
export type { Actor } from "@/db/schema/actor";
