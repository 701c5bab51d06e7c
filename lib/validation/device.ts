import { z } from "zod";
import { registrationIdSchema, validateRegistrationId } from "@/lib/dps/validation";
import { DEVICE_STATUSES } from "@/lib/devices/device-statuses";
import { HUB_STATUSES } from "@/lib/devices/hub-statuses";
import { CONTROL_CHARACTERS, filterText } from "./filter-text";

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

/**
 * The same verdict as `newDeviceSchema.safeParse` (same value, same messages in the same order),
 * from the same checks, without zod's error objects: the CSV import checks up to a million lines,
 * and a refused line built as a ZodError costs far more time and garbage than the check itself.
 * `device.test.ts` holds the two to the same answers.
 */
export function checkNewDevice(raw: {
  registrationId: string;
  name?: string;
  payload?: string;
}): { ok: true; value: NewDevice } | { ok: false; reason: string } {
  const problems: string[] = [];
  const registrationId = validateRegistrationId(raw.registrationId);
  if (!registrationId.ok) problems.push(registrationId.message);
  let name: string | undefined;
  if (raw.name !== undefined) {
    name = raw.name.trim();
    if (name.length > DEVICE_NAME_MAX) problems.push(`Name must be at most ${DEVICE_NAME_MAX} characters.`);
    if (CONTROL_CHARACTERS.test(name)) problems.push("Name must not contain control characters.");
    name ||= undefined;
  }
  const payload = parsePayload(raw.payload);
  if (!payload.ok) problems.push(payload.message);
  if (problems.length > 0 || !registrationId.ok || !payload.ok)
    return { ok: false, reason: problems.join(" ") };
  return { ok: true, value: { registrationId: registrationId.value, name, payload: payload.value } };
}

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
  hub: filterText(255),
  q: filterText(128),
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
