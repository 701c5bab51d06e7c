import { exportDevices } from "@/lib/devices/device-transfer-dal";
import { deviceFilterSchema } from "@/lib/validation/device";
import { csvResponse } from "@/lib/csv-response";
import { routeError } from "@/lib/errors";

/** Exports the devices matching the page's current filter, streamed as CSV. */
export async function GET(request: Request) {
  const filter = deviceFilterSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  try {
    return csvResponse(await exportDevices(filter), "devices");
  } catch (error) {
    return routeError(error, "devices.export");
  }
}
