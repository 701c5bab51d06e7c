"use server";

import { troubleshootSchema } from "@/lib/validation/device";
import { troubleshootDevice } from "@/lib/hubs/troubleshoot/troubleshoot-dal";
import type { TroubleshootReportDto } from "@/lib/hubs/troubleshoot/troubleshoot-report-dto";
import type { ActionResult } from "./result";
import { runAction } from "./run-action";

export async function troubleshootDeviceAction(input: unknown): Promise<ActionResult<TroubleshootReportDto>> {
  return runAction("device.troubleshoot", troubleshootSchema, input, async ({ deviceId }) => {
    const report = await troubleshootDevice(deviceId);
    return { ok: true, message: report.verdict.headline, data: report };
  });
}
