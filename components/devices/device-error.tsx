import { explainDpsError } from "@/lib/integrations/azure-dps/explain-dps-error";
import type { DeviceDto } from "@/lib/devices/device-dto";

/** Explains a device's last DPS error in plain words, with the next step, instead of a raw code. */
export function explainDeviceError(
  device: Pick<DeviceDto, "status" | "lastErrorKind" | "lastErrorCode" | "lastErrorMessage">,
) {
  if (!device.lastErrorKind && device.status !== "failed" && device.status !== "disabled") return null;
  const code = device.lastErrorCode ? Number(device.lastErrorCode) : undefined;
  return explainDpsError({
    kind: device.lastErrorKind ?? device.status,
    dpsErrorCode: Number.isFinite(code) ? code : undefined,
    httpStatus:
      code && code >= 100 && code < 600 ? code : code && code > 100000 ? Math.floor(code / 1000) : undefined,
    message: device.lastErrorMessage ?? undefined,
  });
}

export function DeviceErrorSummary({
  device,
}: {
  device: Pick<DeviceDto, "status" | "lastErrorKind" | "lastErrorCode" | "lastErrorMessage">;
}) {
  const explanation = explainDeviceError(device);
  if (!explanation) return <span className="text-slate-400">—</span>;
  // The table shows the headline; the whole explanation is on the device page and in the tooltip.
  return (
    <span
      className="block max-w-56 font-medium text-red-800"
      title={`${explanation.detail} Next step: ${explanation.nextStep}`}
    >
      {explanation.title}
    </span>
  );
}
