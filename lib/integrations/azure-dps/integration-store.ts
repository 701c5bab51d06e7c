import { and, eq, isNotNull, sql } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { integrations, type IntegrationRow } from "@/db/schema/integration";
import { DPS_INTEGRATION_ID } from "./integration-dto";
import type { ServiceCheckColumns } from "./service-check";

/**
 * Row access for the Azure DPS integration, shared by the data-access layer (which checks
 * permissions first) and the provisioning engine (which runs without a user).
 */

const MAX_STORED_TEXT = 500;

export async function readDpsIntegrationRow(): Promise<IntegrationRow | undefined> {
  const [row] = await getDb().select().from(integrations).where(eq(integrations.id, DPS_INTEGRATION_ID));
  return row;
}

/** Creates the row at version 0 if it does not exist, so every save is an `update … where version = $loaded`. */
export async function ensureDpsIntegrationRow(): Promise<void> {
  await getDb().insert(integrations).values({ id: DPS_INTEGRATION_ID }).onConflictDoNothing();
}

export type IntegrationChanges = Partial<Omit<typeof integrations.$inferInsert, "id" | "version">>;

/** Applies `changes` only if nobody saved since `loadedVersion`; undefined means someone did. */
export async function updateDpsIntegrationIfVersion(
  loadedVersion: number,
  changes: IntegrationChanges,
): Promise<IntegrationRow | undefined> {
  const [row] = await getDb()
    .update(integrations)
    .set({ ...changes, version: sql`${integrations.version} + 1` })
    .where(and(eq(integrations.id, DPS_INTEGRATION_ID), eq(integrations.version, loadedVersion)))
    .returning();
  return row;
}

export type DpsCallOutcome = { ok: true; summary: string } | { ok: false; kind: string; message: string };

function bounded(text: string): string {
  return text.length > MAX_STORED_TEXT ? `${text.slice(0, MAX_STORED_TEXT)}…` : text;
}

/** Health columns only: it never bumps `version`, so an administrator's open dialog stays valid. */
export async function recordDpsCallOutcomeRow(outcome: DpsCallOutcome, at: Date = new Date()): Promise<void> {
  const changes = outcome.ok
    ? { lastSuccessAt: at, lastSuccessSummary: bounded(outcome.summary), consecutiveFailures: 0 }
    : {
        lastFailureAt: at,
        lastFailureKind: bounded(outcome.kind),
        lastFailureMessage: bounded(outcome.message),
        consecutiveFailures: sql`${integrations.consecutiveFailures} + 1`,
      };
  await getDb().update(integrations).set(changes).where(eq(integrations.id, DPS_INTEGRATION_ID));
}

/**
 * Records what a check learnt, unless the settings were saved since it started (`version`): a
 * result about an older service connection string must not land on the new one. Never bumps `version`.
 */
export async function recordServiceCheckRow(version: number, columns: ServiceCheckColumns): Promise<boolean> {
  const rows = await getDb()
    .update(integrations)
    .set(columns)
    .where(
      and(
        eq(integrations.id, DPS_INTEGRATION_ID),
        eq(integrations.version, version),
        isNotNull(integrations.serviceKeyCiphertext),
      ),
    )
    .returning({ id: integrations.id });
  return rows.length > 0;
}

/**
 * The periodic refresh: one process takes the turn (moving the check time on) when the group was
 * last read more than `maxAgeSeconds` ago; the others see it taken. Returns the version to record against.
 */
export async function claimServiceRefresh(maxAgeSeconds: number): Promise<number | null> {
  const [row] = await getDb()
    .update(integrations)
    .set({ enrollmentGroupCheckedAt: sql`now()` })
    .where(
      and(
        eq(integrations.id, DPS_INTEGRATION_ID),
        isNotNull(integrations.serviceKeyCiphertext),
        isNotNull(integrations.primaryKeyCiphertext),
        sql`(${integrations.enrollmentGroupCheckedAt} is null or ${integrations.enrollmentGroupCheckedAt} < now() - make_interval(secs => ${maxAgeSeconds}))`,
      ),
    )
    .returning({ version: integrations.version });
  return row?.version ?? null;
}
