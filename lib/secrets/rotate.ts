import { sql } from "drizzle-orm";
import type { Database } from "@/lib/database";
import { decryptSecret, envelopeKeyId, reencryptSecret, type Kek } from "./envelope";
import type { EncryptedColumn } from "./encrypted-columns";

export class RotationError extends Error {}

export type RotationReport = {
  fromKeyId: string;
  toKeyId: string;
  /** Values re-encrypted under the new key now. */
  reencrypted: number;
  /** Values already under the new key (a repeated run, or saved by an app already on the new key). */
  alreadyCurrent: number;
};

/**
 * Re-encrypts every value in `columns` (the providers' STORED_SECRETS, lib/integrations/providers.ts)
 * from `from` to `to` in one transaction, locking the rows so a
 * concurrent save cannot slip between read and write. All or nothing: one value under an unknown key,
 * or one that fails its integrity check, rolls everything back. Safe to run again.
 */
export async function rotateStoredSecrets(
  db: Database,
  from: Kek,
  to: Kek,
  columns: readonly EncryptedColumn[],
): Promise<RotationReport> {
  if (from.id === to.id)
    throw new RotationError(
      `The old and the new key are the same key (key id ${to.id}); give a different new key.`,
    );
  return db.transaction(async (tx) => {
    const report: RotationReport = { fromKeyId: from.id, toKeyId: to.id, reencrypted: 0, alreadyCurrent: 0 };
    for (const { table, idColumn, column, context } of columns) {
      const id = sql.identifier(idColumn);
      const value = sql.identifier(column);
      const tableName = sql.identifier(table);
      const { rows } = await tx.execute<{ id: string; value: string }>(
        sql`select ${id}::text as id, ${value} as value from ${tableName} where ${value} is not null order by ${id} for update`,
      );
      for (const row of rows) {
        const keyId = envelopeKeyId(row.value);
        const where = `${table}.${column} of ${row.id}`;
        if (keyId === to.id) {
          decryptSecret(row.value, to, context(row.id));
          report.alreadyCurrent += 1;
          continue;
        }
        if (keyId !== from.id) {
          throw new RotationError(
            `${where} is encrypted under key id ${keyId ?? "(not an envelope)"}, which is neither the old key (${from.id}) nor the new key (${to.id}). Nothing was changed.`,
          );
        }
        const next = reencryptSecret(row.value, from, to, context(row.id));
        await tx.execute(sql`update ${tableName} set ${value} = ${next} where ${id}::text = ${row.id}`);
        report.reencrypted += 1;
      }
    }
    return report;
  });
}
