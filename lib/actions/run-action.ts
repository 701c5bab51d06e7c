import "server-only";
import { z } from "zod";
import { headers } from "next/headers";
import { unstable_rethrow } from "next/navigation";
import { AccessDeniedError, getCurrentUser } from "@/lib/auth/current-user";
import { recordAudit } from "@/lib/audit/record";
import { clientAddressFrom } from "@/lib/auth/client-address";
import { invalid, type ActionResult } from "./result";
import { logger } from "@/lib/logger";

/** A user-facing refusal from the data-access layer (conflict, not found, rule broken). */
export class UserFacingError extends Error {
  constructor(message: string, readonly fieldErrors?: Record<string, string[]>) {
    super(message);
  }
}

/**
 * The thin-action wrapper: parse with the entity's schema, call the data-access function, and turn
 * refusals into values. Unexpected errors are logged on the server and never reach the browser.
 */
export async function runAction<S extends z.ZodType, T>(
  name: string,
  schema: S,
  input: unknown,
  fn: (data: z.output<S>) => Promise<ActionResult<T>>,
): Promise<ActionResult<T>> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) return invalid(parsed.error);
  try {
    return await fn(parsed.data);
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
    if (error instanceof UserFacingError) return { ok: false, message: error.message, fieldErrors: error.fieldErrors };
    logger.error({ action: name, err: error instanceof Error ? { name: error.name, message: error.message } : String(error) }, "action failed");
    return { ok: false, message: "Something went wrong on the server. Try again; if it keeps happening, check the server log." };
  }
}
