import Link from "next/link";
import type { DevicePage } from "@/lib/devices/list-devices";
import type { DeviceFilter } from "@/lib/validation/device";
import { DevicesTable } from "./devices-table";
import { devicesPageLink, type DevicesLinkParams } from "./devices-page-link";

/**
 * One page of the devices table with its paging links. A server component of its own, so the page
 * streams it inside a Suspense boundary: counts and filters show while the rows are read. The page
 * starts reading them (`rows`) before anything else, so the two reads run side by side.
 */
export async function DevicesList({
  rows,
  filter,
  base,
  canProvision,
  canManage,
}: {
  rows: Promise<DevicePage>;
  filter: DeviceFilter;
  base: DevicesLinkParams;
  canProvision: boolean;
  canManage: boolean;
}) {
  const page = await rows;
  return (
    <>
      <DevicesTable devices={page.devices} canProvision={canProvision} canManage={canManage} />
      <nav aria-label="Pages" className="mt-4 flex gap-4 text-sm">
        {filter.after || filter.before ? (
          <Link href={devicesPageLink(base)} className="text-link underline">
            First page
          </Link>
        ) : null}
        {page.prevCursor ? (
          <Link href={devicesPageLink({ ...base, before: page.prevCursor })} className="text-link underline">
            Previous page
          </Link>
        ) : null}
        {page.nextCursor ? (
          <Link href={devicesPageLink({ ...base, after: page.nextCursor })} className="text-link underline">
            Next page
          </Link>
        ) : null}
      </nav>
    </>
  );
}
