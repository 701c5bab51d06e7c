import type pg from "pg";

/**
 * Makes `pool` survive its connections being cut (a database restart, a terminated backend). pg
 * reports a cut as an 'error' event: on the pool for an idle connection, but on the client itself
 * for one that is checked out (a transaction in progress), and an event nobody listens for ends
 * the process. For a checked-out client the query in flight, or the next one, fails with the error
 * and its caller deals with it, and the pool drops the dead connection when it is released, so the
 * client's event needs no more than a listener; `idleFailed` hears of the idle ones.
 */
export function surviveLostConnections(
  pool: pg.Pool,
  idleFailed: (error: Error) => void = () => {},
): pg.Pool {
  pool.on("error", idleFailed);
  pool.on("connect", (client) => client.on("error", () => {}));
  return pool;
}
