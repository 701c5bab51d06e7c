import "server-only";
import { AccessDeniedError } from "@/lib/auth/current-user";
import { logger } from "@/lib/logger";
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnreachable } from "@/db/connection-errors";

/**
 * Errors as the people using the app see them. The data-access layer throws UserFacingError for a
 * refusal (conflict, not found, rule broken); server actions (lib/actions/run-action.ts) and route
 * handlers (routeError) turn it into words at the right place. Anything else is logged on the
 * server and answered with SERVER_ERROR_MESSAGE, never with a stack trace.
 */

/** A refusal meant for the user, with the fields it concerns when it is about form input. */
export class UserFacingError extends Error {
  constructor(
    message: string,
    readonly fieldErrors?: Record<string, string[]>,
  ) {
    super(message);
  }
}

export const SERVER_ERROR_MESSAGE =
  "Something went wrong on the server. Try again; if it keeps happening, check the server log.";

/** What the server log keeps of an unexpected error: its name and message, not the object (which may carry inputs). */
export function loggableError(error: unknown): { name: string; message: string } | string {
  return error instanceof Error ? { name: error.name, message: error.message } : String(error);
}

/** Route handlers answer like actions do: a refusal in words with the right status, never a stack trace. */
export function routeError(error: unknown, route: string): Response {
  if (error instanceof AccessDeniedError) {
    return Response.json(
      { ok: false, message: error.message },
      { status: error.reason === "unauthenticated" ? 401 : 403 },
    );
  }
  if (error instanceof UserFacingError)
    return Response.json({ ok: false, message: error.message }, { status: 400 });
  if (isDatabaseUnreachable(error)) {
    logger.warn({ route, err: loggableError(error) }, "route failed: the database is unreachable");
    return Response.json(
      { ok: false, message: DATABASE_UNAVAILABLE_MESSAGE },
      { status: 503, headers: { "Retry-After": "5" } },
    );
  }
  logger.error({ route, err: loggableError(error) }, "route failed");
  return Response.json({ ok: false, message: SERVER_ERROR_MESSAGE }, { status: 500 });
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
