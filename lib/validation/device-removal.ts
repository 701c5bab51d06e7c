import { z } from "zod";
import { REMOVAL_CHOICES } from "@/db/schema/hub-lifecycle";

/** Removing devices (one, a selection), its preview, and a retry: shared by the remove dialogs and the actions. */

const deviceId = z.coerce.number().int().positive();
const deviceIds = z.array(deviceId).min(1, "Select at least one device.").max(10_000);
const choice = z.enum(REMOVAL_CHOICES, { error: "Choose how to remove the device." }).default("platform");
/** Leave what the app may not touch (no credentials, no write right, a record not its own) and remove anyway. */
const leaveUncleanable = z.boolean().optional().default(false);

export const removeDeviceSchema = z.object({ deviceId, choice, leaveUncleanable });
export const removeDevicesSchema = z.object({ deviceIds, choice, leaveUncleanable });
export const removalPreviewSchema = z.object({ deviceIds });
/** Retrying or giving up an incomplete removal. */
export const incompleteRemovalSchema = z.object({ deviceId });

export type RemoveDevicesInput = z.output<typeof removeDevicesSchema>;
