import type { EncryptedColumn } from "@/lib/secrets/encrypted-columns";

/**
 * What the rest of the app knows of an integration provider (Azure DPS today): enough to list it
 * on the Integration tab and to rotate its stored secrets. Everything else (settings schema,
 * data-access layer, engine, tile) lives in its own folders, lib/integrations/<id>/ and
 * components/integrations/<id>/. Must stay free of server-only imports: the secrets:rotate command
 * loads it.
 */
export type IntegrationProvider = {
  /** Stable: its settings row id, its audit target, and part of its secrets' encryption context. */
  id: string;
  /** As the tile titles it. */
  name: string;
  description: string;
  /** Every column that holds one of its secrets encrypted, so `npm run secrets:rotate` re-encrypts them. */
  storedSecrets: readonly EncryptedColumn[];
};
