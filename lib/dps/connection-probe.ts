/**
 * The registration ID the connection test and the engine's probe look up: a status lookup for a
 * registration that never exists proves the keys without creating anything in DPS.
 */
export const CONNECTION_PROBE_REGISTRATION_ID = "hic-connection-probe";
