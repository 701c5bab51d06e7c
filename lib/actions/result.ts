import { z } from "zod";

/** What every server action returns to its form: field errors at the field, a message for the toast. */
export type ActionResult<T = undefined> =
  | { ok: true; message?: string; data?: T }
  | { ok: false; message: string; fieldErrors?: Record<string, string[] | undefined> };

export function invalid(error: z.ZodError): ActionResult<never> {
  return { ok: false, message: "Check the highlighted fields.", fieldErrors: z.flattenError(error).fieldErrors as Record<string, string[]> };
}
