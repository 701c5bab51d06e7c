import { exportRegistrationFindings } from "@/lib/registrations/registrations-dal";
import { registrationRecordsFilterSchema } from "@/lib/validation/registration-records";
import { csvResponse } from "@/lib/csv-response";
import { routeError } from "@/lib/errors";

/** Exports the registration records matching the view's filter (the last reconciliation's), streamed as CSV. */
export async function GET(request: Request) {
  const filter = registrationRecordsFilterSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  try {
    return csvResponse(await exportRegistrationFindings(filter), "registration-records");
  } catch (error) {
    return routeError(error, "registration-records.export");
  }
}
