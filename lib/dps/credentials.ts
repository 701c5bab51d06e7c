/**
 * A DPS connection as the device API and the engine use it: where, which enrollment group keys, and
 * how fast DPS lets us go. Whoever stores it (lib/integrations/azure-dps) decrypts it into this
 * shape. Never pass it to a page, an action result or a log.
 */
export type DpsCredentials = {
  idScope: string;
  host: string;
  primaryKey: string;
  secondaryKey: string | null;
  registrationsPerMinute: number;
  operationsPerMinute: number;
  /** Changes on every save, so a worker can tell its cached credentials are stale. */
  version: number;
};
