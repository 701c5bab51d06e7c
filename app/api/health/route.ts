/**
 * Liveness for a load balancer or an orchestrator: the process answers HTTP. Touches nothing else
 * (no database, no session), so a database outage never gets a healthy web server restarted; ask
 * `/api/ready` whether it should get traffic.
 */
export const dynamic = "force-dynamic";

export function GET() {
  return Response.json({ status: "ok" }, { headers: { "Cache-Control": "no-store" } });
}
