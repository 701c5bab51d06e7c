import "server-only";
import { AccessDeniedError } from "@/lib/auth/current-user";
import { UserFacingError } from "./actions/run-action";
import { logger } from "@/lib/logger";

/** Route handlers answer like actions do: a refusal in words with the right status, never a stack trace. */
export function routeError(error: unknown, route: string): Response {
  if (error instanceof AccessDeniedError) {
    return Response.json({ ok: false, message: error.message }, { status: error.reason === "unauthenticated" ? 401 : 403 });
  }
  if (error instanceof UserFacingError) return Response.json({ ok: false, message: error.message }, { status: 400 });
  logger.error({ route, err: error instanceof Error ? { name: error.name, message: error.message } : String(error) }, "route failed");
  return Response.json({ ok: false, message: "Something went wrong on the server. Try again; if it keeps happening, check the server log." }, { status: 500 });
}

/** Cookies are SameSite=Lax already; an Origin check also stops same-site pages from posting here. */
export function isSameOrigin(request: Request): boolean {
  const origin = request.headers.get("origin");
  if (!origin) return true;
  try {
    return new URL(origin).host === (request.headers.get("x-forwarded-host") ?? request.headers.get("host"));
  } catch {
    return false;
  }
}
