/**
 * A column that holds envelopes (lib/secrets/envelope.ts), with the context each value is bound to.
 * Writers use `context` when they encrypt; `npm run secrets:rotate` re-encrypts every column the
 * integration providers declare (lib/integrations/providers.ts).
 */
export type EncryptedColumn = {
  table: string;
  idColumn: string;
  column: string;
  context: (id: string) => string;
};

/** Binds an integration's secret to its row and slot: a primary key moved to the secondary slot, or to another row, does not decrypt. */
export function integrationKeyContext(integrationId: string, slot: string): string {
  return `integrations/${integrationId}/${slot}`;
}

/** Binds a hub policy key to its hub: a key copied to another hub's row does not decrypt. */
export function hubCredentialKeyContext(hubHost: string): string {
  return `hub-credentials/${hubHost.toLowerCase()}`;
}
