import { z } from "zod";
import {
  looksLikeUsualIdScope,
  optionalGroupKey,
  schemaFor,
  validateDpsHost,
  validateIdScope,
} from "@/lib/dps/validation";
import { parseServiceConnectionString } from "@/lib/dps/service/connection-string";

/**
 * The Azure DPS connect/edit form, checked by the dialog (react-hook-form) and again by the server
 * actions. Browser-safe: only zod and lib/dps/validation.
 */

export const DEFAULT_DPS_HOST = "global.azure-devices-provisioning.net";
/** The documented DPS quota per S1 unit: 1,000 registrations per minute. */
export const DEFAULT_REGISTRATIONS_PER_MINUTE = 1000;
export const MAX_REGISTRATIONS_PER_MINUTE = 1_000_000;

export const DPS_FIELD_LABELS = {
  idScope: "ID Scope",
  primaryKey: "Enrollment group key",
  host: "Device Provisioning Service hostname",
  secondaryKey: "Secondary key",
  registrationsPerMinute: "Registrations per minute",
  serviceConnectionString: "Service connection string (optional)",
  enrollmentGroupId: "Enrollment group ID (optional)",
  cleanOldHubOnMove: "Delete a moved device's identity from its old hub",
} as const;

/** DPS's rule for enrollment group ids, as the portal enforces it. */
const ENROLLMENT_GROUP_ID = /^[A-Za-z0-9][A-Za-z0-9\-._:]{0,127}$/;

// Blank means "keep the stored one" on edit and "none" on connect, like the key fields.
const serviceConnectionString = z
  .string()
  .optional()
  .transform((input, ctx) => {
    if (input === undefined || input.trim() === "") return undefined;
    const result = parseServiceConnectionString(input);
    if (result.ok) return result.value;
    ctx.addIssue({ code: "custom", message: result.message });
    return z.NEVER;
  });

// Not a secret: the dialog shows the stored id, and blank means "find the group from its key".
const enrollmentGroupId = z
  .string()
  .optional()
  .transform((input, ctx) => {
    const value = input?.trim() ?? "";
    if (value === "") return undefined;
    if (ENROLLMENT_GROUP_ID.test(value)) return value;
    ctx.addIssue({
      code: "custom",
      message:
        "Enrollment group ID may use letters, digits and - . _ : (at most 128), starting with a letter or digit, as in the Azure portal.",
    });
    return z.NEVER;
  });

const idScope = schemaFor(validateIdScope, "ID Scope is required.");

const host = schemaFor((input) => {
  if (input.trim() === "")
    return { ok: false, message: `Enter the ${DPS_FIELD_LABELS.host}, e.g. ${DEFAULT_DPS_HOST}.` };
  return validateDpsHost(input);
}, `Enter the ${DPS_FIELD_LABELS.host}.`);

const wholeNumberMessage = `Enter a whole number of registrations per minute, from 1 to ${MAX_REGISTRATIONS_PER_MINUTE.toLocaleString("en-US")}.`;

// An emptied number field must say "enter a number", not "must be at least 1" (what "" coerces to).
const registrationsPerMinute = z.preprocess(
  (value) => (typeof value === "string" && value.trim() === "" ? undefined : value),
  z.coerce
    .number({ error: wholeNumberMessage })
    .int(wholeNumberMessage)
    .min(1, "Registrations per minute must be at least 1.")
    .max(
      MAX_REGISTRATIONS_PER_MINUTE,
      `Registrations per minute must be at most ${MAX_REGISTRATIONS_PER_MINUTE.toLocaleString("en-US")}.`,
    ),
);

const version = z.coerce.number().int().min(0);

/**
 * `connect` needs a key; `edit` keeps the stored one when the field is left empty. `version` is the
 * row version the form was loaded with, so a save over someone else's change is refused.
 */
export const dpsIntegrationSchema = z
  .object({
    mode: z.enum(["connect", "edit"]),
    version,
    idScope,
    // Empty means "keep the stored key" on edit (a connect refuses it below) and "none" for the secondary key.
    primaryKey: optionalGroupKey(DPS_FIELD_LABELS.primaryKey),
    host,
    secondaryKey: optionalGroupKey(DPS_FIELD_LABELS.secondaryKey),
    removeSecondaryKey: z.boolean().optional().default(false),
    registrationsPerMinute,
    serviceConnectionString,
    removeServiceConnectionString: z.boolean().optional().default(false),
    enrollmentGroupId,
    // Absent (an older form): the stored choice stays.
    cleanOldHubOnMove: z.boolean().optional(),
  })
  .refine((value) => value.mode !== "connect" || value.primaryKey !== undefined, {
    path: ["primaryKey"],
    message: "Enter the enrollment group key: paste the Primary Key of a symmetric-key enrollment group.",
    // Run even when other fields are wrong, so every field's error shows at once (but never on a
    // value that is not an object at all: there is nothing to check then).
    when: (payload) =>
      typeof payload.value === "object" &&
      payload.value !== null &&
      !payload.issues.some((issue) => issue.path?.[0] === "primaryKey"),
  });

export type DpsIntegrationFormInput = z.input<typeof dpsIntegrationSchema>;
export type DpsIntegrationInput = z.output<typeof dpsIntegrationSchema>;

/** "Test connection": the values typed in the dialog, or (`mode: "stored"`) the saved configuration. */
export const testDpsConnectionSchema = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("stored") }),
  dpsIntegrationSchema,
]);
export type TestDpsConnectionInput = z.output<typeof testDpsConnectionSchema>;

export const disconnectDpsSchema = z.object({ version });

/**
 * A hint, not an error: every ID Scope seen so far is `0ne` + 8 hexadecimal digits, but DPS does
 * not promise that, so anything else of letters and digits is accepted.
 */
export function idScopeWarning(value: string | undefined): string | null {
  const checkedScope = validateIdScope(value ?? "");
  if (!checkedScope.ok || looksLikeUsualIdScope(checkedScope.value)) return null;
  return "This does not look like the usual ID Scope (0ne followed by 8 hexadecimal digits, e.g. 0ne00A1B2C3). Check it in the Azure portal under the DPS instance's Overview.";
}
