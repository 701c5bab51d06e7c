import { checkReadiness } from "@/ops/fleet/readiness";

/**
 * Readiness for a load balancer or an orchestrator: 200 when this web server should get traffic
 * (database reachable, schema current, its build not superseded by a newer one), 503 otherwise.
 * Unauthenticated and cheap (one query at most per second); says nothing secret.
 */
export const dynamic = "force-dynamic";

export async function GET() {
  const { ready, ...details } = await checkReadiness();
  return Response.json(
    { status: ready ? "ready" : "unready", ...details },
    { status: ready ? 200 : 503, headers: { "Cache-Control": "no-store" } },
  );
}
