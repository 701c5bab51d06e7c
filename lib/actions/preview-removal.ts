"use server";

import { removalPreviewSchema } from "@/lib/validation/device-removal";
import { previewRemoval } from "@/lib/devices/device-removal-dal";
import type { RemovalPreviewDto } from "@/lib/devices/removal-dto";
import { runAction } from "./run-action";

/** What a removal would leave where, before it runs (nothing is changed). */
export async function previewRemovalAction(input: unknown) {
  return runAction<typeof removalPreviewSchema, RemovalPreviewDto>(
    "devices.preview-removal",
    removalPreviewSchema,
    input,
    async ({ deviceIds }) => ({ ok: true, data: await previewRemoval(deviceIds) }),
  );
}
