import { z } from "zod";

/**
 * What every server action returns to its form. `ok` says whether what the person asked for
 * happened: a refusal (by a rule, a permission, or by DPS itself) is `ok: false` with the reason in
 * `message` (for the toast), field errors at their fields, and, where the refusal has more to show
 * (a connection test's explanation), `data`.
 */
export type ActionResult<T = undefined> =
  | { ok: true; message?: string; data?: T }
  | { ok: false; message: string; fieldErrors?: Record<string, string[] | undefined>; data?: T };

export type ActionRefusal<T = undefined> = Extract<ActionResult<T>, { ok: false }>;

export function invalid(error: z.ZodError): ActionResult<never> {
  return {
    ok: false,
    message: "Check the highlighted fields.",
    fieldErrors: z.flattenError(error).fieldErrors as Record<string, string[]>,
  };
}
