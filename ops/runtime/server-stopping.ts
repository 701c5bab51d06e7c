/** Aborts when the app's web server (scripts/web-server.mjs) starts stopping; never under another server. */
export function serverStoppingSignal(): AbortSignal | null {
  const signal = (globalThis as Record<symbol, unknown>)[Symbol.for("hic.serverStopping")];
  return signal instanceof AbortSignal ? signal : null;
}
