import "server-only";
import { z } from "zod";
import { headers } from "next/headers";
import { unstable_rethrow } from "next/navigation";
import { AccessDeniedError, getCurrentUser } from "@/lib/auth/current-user";
import type { AuditAction } from "@/lib/audit/actions";
import { recordAudit } from "@/lib/audit/record";
import { clientAddressFrom } from "@/lib/auth/client-address";
import { PasswordCheckBusyError } from "@/lib/auth/argon2-gate";
import { loggableError, SERVER_ERROR_MESSAGE, UserFacingError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { inActionSpan } from "@/lib/observability/tracing";
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnreachable } from "@/db/connection-errors";
import { invalid, type ActionResult } from "./result";

/**
 * The thin-action wrapper: parse with the entity's schema, call the data-access function, and turn
 * refusals into values. Unexpected errors are logged on the server and never reach the browser.
 * `intent` is the audit action a refusal is recorded under: the one the data-access function records
 * on success (a function of the input when one action serves two intents, such as pause and resume).
 * The work runs in a span of its own (`action <intent>`), under the request span Next.js opens, so a
 * trace names the action a POST reached and the jobs it queued follow from it.
 */
export async function runAction<S extends z.ZodType, T>(
  intent: AuditAction | ((data: z.output<S>) => AuditAction),
  schema: S,
  input: unknown,
  fn: (data: z.output<S>) => Promise<ActionResult<T>>,
): Promise<ActionResult<T>> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) return invalid(parsed.error);
  const name = typeof intent === "function" ? intent(parsed.data) : intent;
  return inActionSpan(name, () => settle(name, () => fn(parsed.data)));
}

async function settle<T>(name: AuditAction, work: () => Promise<ActionResult<T>>): Promise<ActionResult<T>> {
  try {
    return await work();
  } catch (error) {
    // Redirects (after a sign-in or sign-out inside an action) travel as exceptions.
    unstable_rethrow(error);
    if (error instanceof AccessDeniedError) {
      const user = await getCurrentUser().catch(() => null);
      await recordAudit({
        action: name,
        outcome: "denied",
        actor: user,
        detail: { reason: error.reason, permission: error.permission },
        clientAddress: clientAddressFrom(await headers()),
      }).catch(() => {});
      return { ok: false, message: error.message };
    }
    // A full password-hashing queue (creating a user, setting a password): try again shortly.
    if (error instanceof PasswordCheckBusyError) return { ok: false, message: error.message };
    if (error instanceof UserFacingError)
      return { ok: false, message: error.message, fieldErrors: error.fieldErrors };
    if (isDatabaseUnreachable(error)) {
      logger.warn({ action: name, err: loggableError(error) }, "action failed: the database is unreachable");
      return { ok: false, message: DATABASE_UNAVAILABLE_MESSAGE };
    }
    logger.error({ action: name, err: loggableError(error) }, "action failed");
    return { ok: false, message: SERVER_ERROR_MESSAGE };
  }
}
