import { z } from "zod";
import { registrationIdSchema, validateRegistrationId } from "@/lib/dps/validation";
import { DEVICE_STATUSES } from "@/lib/devices/device-statuses";
import { HUB_STATUSES } from "@/lib/devices/hub-statuses";

export const DEVICE_NAME_MAX = 200;
export const PAYLOAD_MAX_BYTES = 16 * 1024;

export type PayloadCheck =
  { ok: true; value: Record<string, unknown> | undefined } | { ok: false; message: string };

/** The custom-allocation payload: empty, or a JSON object DPS forwards to the allocation webhook. */
export function parsePayload(text: string | undefined | null): PayloadCheck {
  const trimmed = (text ?? "").trim();
  if (trimmed === "") return { ok: true, value: undefined };
  if (new TextEncoder().encode(trimmed).length > PAYLOAD_MAX_BYTES)
    return { ok: false, message: `Payload must be at most ${PAYLOAD_MAX_BYTES / 1024} KiB of JSON.` };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return { ok: false, message: 'Payload must be valid JSON, like {"site": "berlin"}.' };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { ok: false, message: "Payload must be a JSON object ({ … }), not a list or a single value." };
  // PostgreSQL's jsonb cannot hold the NUL character or half a surrogate pair anywhere in it.
  if (/\\u(0000|d[89a-f][0-9a-f]{2})/i.test(JSON.stringify(value)))
    return {
      ok: false,
      message: "Payload must not contain the NUL character (\\u0000) or broken Unicode escapes.",
    };
  return { ok: true, value: value as Record<string, unknown> };
}

const payloadSchema = z
  .string()
  .optional()
  .transform((text, ctx) => {
    const result = parsePayload(text);
    if (!result.ok) {
      ctx.addIssue({ code: "custom", message: result.message });
      return z.NEVER;
    }
    return result.value;
  });

/** Control characters (NUL above all, which PostgreSQL cannot store) have no place in text a person reads. */
export const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export const deviceNameSchema = z
  .string()
  .trim()
  .max(DEVICE_NAME_MAX, `Name must be at most ${DEVICE_NAME_MAX} characters.`)
  .refine((v) => !CONTROL_CHARACTERS.test(v), "Name must not contain control characters.")
  .optional()
  .transform((v) => v || undefined);

/** One device, as the Add device dialog, the server action and the CSV import accept it. */
export const newDeviceSchema = z.object({
  registrationId: registrationIdSchema,
  name: deviceNameSchema,
  payload: payloadSchema,
});
export type NewDeviceInput = z.input<typeof newDeviceSchema>;
export type NewDevice = z.output<typeof newDeviceSchema>;

/** Lower case is what every DPS generation accepted; mixed case is allowed but worth a hint. */
export function registrationIdHint(value: string): string | undefined {
  const checked = validateRegistrationId(value);
  if (checked.ok && checked.value !== checked.value.toLowerCase())
    return "DPS treats IDs case-insensitively, but lower case is the safe choice.";
  return undefined;
}

export const DEVICE_SORTS = ["registrationId", "-registrationId", "-updated", "updated"] as const;
export type DeviceSort = (typeof DEVICE_SORTS)[number];

/** The devices page's URL parameters: shareable links for support staff. Bad values fall back to defaults. */
export const deviceFilterSchema = z.object({
  status: z.enum(DEVICE_STATUSES).optional().catch(undefined),
  hubStatus: z.enum(HUB_STATUSES).optional().catch(undefined),
  hub: z
    .string()
    .trim()
    .max(255)
    .refine((v) => !CONTROL_CHARACTERS.test(v))
    .optional()
    .catch(undefined)
    .transform((v) => v || undefined),
  q: z
    .string()
    .trim()
    .max(128)
    .refine((v) => !CONTROL_CHARACTERS.test(v))
    .optional()
    .catch(undefined)
    .transform((v) => v || undefined),
  sort: z.enum(DEVICE_SORTS).default("registrationId").catch("registrationId"),
  after: z.string().max(600).optional().catch(undefined),
  before: z.string().max(600).optional().catch(undefined),
});
export type DeviceFilter = z.output<typeof deviceFilterSchema>;

export const deviceIdsSchema = z.object({
  deviceIds: z.array(z.coerce.number().int().positive()).min(1, "Select at least one device.").max(10_000),
});

/** "Check hub connection" on one device. */
export const checkHubSchema = z.object({ deviceId: z.coerce.number().int().positive() });

/** "Why can't this device connect?": which device; the chain reads everything else itself. */
export const troubleshootSchema = z.object({ deviceId: z.coerce.number().int().positive() });
