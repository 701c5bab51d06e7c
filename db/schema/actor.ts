/**
 * Who asked for something, as the records keep it (audit log, provisioning history, device
 * creator): a user's id and email, or null for the command line and the engine's own retries.
 */
export type Actor = { id: string; email: string } | null;
