/**
 * Every column that holds an envelope (lib/secrets/envelope.ts), with the context each value is bound
 * to. Writers use `context` when they encrypt; `npm run secrets:rotate` re-encrypts all of them.
 */
export type EncryptedColumn = {
  table: string;
  idColumn: string;
  column: string;
  context: (id: string) => string;
};

export type IntegrationKeySlot = "primary" | "secondary";

/** Binds an enrollment group key to its integration row and slot: a primary moved to secondary does not decrypt. */
export function integrationKeyContext(integrationId: string, slot: IntegrationKeySlot): string {
  return `integrations/${integrationId}/${slot}`;
}

export const ENCRYPTED_COLUMNS: readonly EncryptedColumn[] = [
  { table: "integrations", idColumn: "id", column: "primary_key_ciphertext", context: (id) => integrationKeyContext(id, "primary") },
  { table: "integrations", idColumn: "id", column: "secondary_key_ciphertext", context: (id) => integrationKeyContext(id, "secondary") },
];
