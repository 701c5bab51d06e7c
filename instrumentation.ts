/**
 * Next.js calls `register` once per server start. In the Node.js runtime it validates the
 * configuration (a bad value stops the server here, with every bad variable named), hands the
 * provisioning engine its domains (lib/engine-wiring.ts: pages provision inline even without a
 * worker here) and starts this process's provisioning worker (HIC_WORKER=off leaves that to
 * `npm run worker` processes).
 * NEXT_RUNTIME is Next.js's own, substituted at build time: it must stay a literal `process.env`
 * read so the Edge bundle drops the Node-only imports below.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { env } = await import("./lib/env");
  env();
  const { wireEngine } = await import("./lib/engine-wiring");
  wireEngine();
  if (env().HIC_WORKER === "off") return;
  const { startInAppWorker } = await import("./lib/provisioning/worker/in-app-worker");
  await startInAppWorker();
}
