import { z } from "zod";

/** Control characters (NUL above all, which PostgreSQL cannot store) have no place in text a person reads. */
export const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * A free-text filter read from the URL (a hub, a search prefix): trimmed and bounded; a value with
 * control characters, or too long, is dropped (no filter) rather than refused, like every bad URL
 * value of a list page. An empty one is no filter either.
 */
export function filterText(maxLength: number) {
  return z
    .string()
    .trim()
    .max(maxLength)
    .refine((v) => !CONTROL_CHARACTERS.test(v))
    .optional()
    .catch(undefined)
    .transform((v) => v || undefined);
}
