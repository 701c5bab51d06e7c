/**
 * Next.js calls `register` once per server start. In the Node.js runtime it starts this process's
 * provisioning worker (HIC_WORKER=off leaves that to `npm run worker` processes). The engine is
 * imported lazily so the Edge bundle never sees pg or pg-boss.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.HIC_WORKER === "off") return;
  const { startInAppWorker } = await import("./lib/provisioning/worker/in-app-worker");
  await startInAppWorker();
}
