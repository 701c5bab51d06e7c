import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { guardPage } from "@/lib/auth/guard-page";
import { hasPermission } from "@/lib/auth/permissions";
import { getDevicesOverview, listDevicesForView } from "@/lib/devices/devices-dal";
import { listIncompleteRemovals } from "@/lib/devices/device-removal-dal";
import { Alert } from "@/components/ui/alert";
import { deviceFilterSchema } from "@/lib/validation/device";
import { firstValues } from "@/lib/validation/search-params";
import { DEVICE_STATUSES } from "@/lib/devices/device-statuses";
import { PageHeader } from "@/components/shell/page-header";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Button } from "@/components/ui/button";
import { DevicesFilters } from "@/components/devices/devices-filters";
import { DevicesList } from "@/components/devices/devices-list";
import { devicesPageLink } from "@/components/devices/devices-page-link";
import { DevicesTableSkeleton } from "@/components/devices/devices-table-skeleton";
import { AddDeviceDialog } from "@/components/devices/add-device-dialog";
import { ImportDevicesDialog } from "@/components/devices/import-devices-dialog";
import { ReprovisionAllDialog } from "@/components/devices/reprovision-all-dialog";
import { HubChart } from "@/components/devices/hub-chart";
import { EnginePanel } from "@/components/devices/engine-panel";
import { AutoRefresh } from "@/components/devices/auto-refresh";
import { STATUS_LABELS } from "@/components/devices/status-badge";
import { HUB_STATUSES, HUB_STATUS_LABELS } from "@/lib/devices/hub-statuses";

export const metadata: Metadata = { title: "Devices" };

export default async function DevicesPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const user = await guardPage("devices.view");
  const filter = deviceFilterSchema.parse(firstValues(await searchParams));
  // The rows are read alongside the overview; DevicesList awaits them inside its Suspense boundary.
  const rows = listDevicesForView(filter);
  rows.catch(() => {}); // if the overview fails first, the page's error is the one to report
  const [{ counts, engine, reprovisionEstimate }, incomplete] = await Promise.all([
    getDevicesOverview(),
    listIncompleteRemovals(),
  ]);
  const canManage = hasPermission(user.role, "devices.manage");
  const canProvision = hasPermission(user.role, "devices.provision");
  const base = {
    status: filter.status,
    hubStatus: filter.hubStatus,
    hub: filter.hub,
    q: filter.q,
    sort: filter.sort === "registrationId" ? undefined : filter.sort,
  };
  const exportHref = `/api/devices/export${devicesPageLink(base).replace("/devices", "")}`;
  // While DPS is away or refuses the key the page is read again too, so the notice goes once it is over.
  const busy = counts.byStatus.assigning > 0 || Boolean(engine.activeRun) || engine.dps.state !== "available";
  const estimate = canProvision ? reprovisionEstimate : null;

  return (
    <>
      <AutoRefresh active={busy} />
      <PageHeader
        title="Devices"
        description="Every device of the platform, the IoT hub Azure DPS assigned it to, and why a device has none yet."
        actions={
          <>
            {canManage ? <AddDeviceDialog connected={engine.connected} /> : null}
            {canManage ? <ImportDevicesDialog /> : null}
            <Button asChild variant="secondary">
              <a href={exportHref}>Export CSV</a>
            </Button>
            {estimate ? (
              <ReprovisionAllDialog
                count={estimate.count}
                seconds={estimate.seconds}
                registrationsPerMinute={estimate.registrationsPerMinute}
              />
            ) : null}
          </>
        }
      />

      {incomplete.total > 0 ? (
        <Alert tone="warning" className="mb-6" aria-label="Incomplete removals">
          <p className="font-semibold">
            {incomplete.total === 1
              ? "1 device was not removed completely"
              : `${incomplete.total.toLocaleString("en")} devices were not removed completely`}
            : each stays here, marked, with a retry on its page.
          </p>
          <ul className="mt-1 grid gap-1 text-sm">
            {incomplete.devices.map((d) => (
              <li key={d.id}>
                <Link href={`/devices/${d.id}`} className="font-mono text-link underline">
                  {d.registrationId}
                </Link>
                : removal incomplete: {d.problem}
              </li>
            ))}
          </ul>
        </Alert>
      ) : null}
      <div className="mb-6 grid gap-4 lg:grid-cols-3">
        <Card>
          <CardHeader>
            <CardTitle>Devices by status</CardTitle>
          </CardHeader>
          <CardContent>
            <ul className="grid grid-cols-2 gap-2 text-sm" aria-label="Devices by status">
              <li className="col-span-2 flex justify-between border-b border-border pb-1">
                <span>All devices</span>
                <strong>{counts.total.toLocaleString("en")}</strong>
              </li>
              {DEVICE_STATUSES.map((s) => (
                <li key={s} className="flex justify-between">
                  <Link
                    href={devicesPageLink({ ...base, status: s })}
                    className="text-link underline underline-offset-2"
                  >
                    {STATUS_LABELS[s]}
                  </Link>
                  <span>{counts.byStatus[s].toLocaleString("en")}</span>
                </li>
              ))}
            </ul>
            <h3 className="mt-4 mb-2 text-sm font-medium">By hub status</h3>
            <ul className="grid grid-cols-2 gap-2 text-sm" aria-label="Devices by hub status">
              {HUB_STATUSES.map((s) => (
                <li key={s} className="flex justify-between">
                  <Link
                    href={devicesPageLink({ ...base, hubStatus: s })}
                    className="text-link underline underline-offset-2"
                  >
                    {HUB_STATUS_LABELS[s]}
                  </Link>
                  <span>{counts.byHubStatus[s].toLocaleString("en")}</span>
                </li>
              ))}
            </ul>
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Devices per IoT hub</CardTitle>
          </CardHeader>
          <CardContent>
            <HubChart data={counts.byHub} />
            <ul className="sr-only" aria-label="Devices per IoT hub">
              {counts.byHub.map((h) => (
                <li key={h.hub}>
                  {h.hub}: {h.count}
                </li>
              ))}
            </ul>
            {counts.withoutHub ? (
              <p className="mt-2 text-xs text-muted-foreground">
                {counts.withoutHub === 1
                  ? "1 device has no hub yet."
                  : `${counts.withoutHub.toLocaleString("en")} devices have no hub yet.`}
              </p>
            ) : null}
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Provisioning</CardTitle>
          </CardHeader>
          <CardContent>
            <EnginePanel
              connected={engine.connected}
              paused={engine.paused}
              dps={engine.dps}
              canManageIntegration={hasPermission(user.role, "integration.manage")}
              queued={engine.queued}
              registrationsPerMinute={engine.registrationsPerMinute}
              activeRun={engine.activeRun}
              canControl={canProvision}
            />
          </CardContent>
        </Card>
      </div>

      <DevicesFilters filter={filter} hubs={counts.byHub.map((h) => h.hub)} />
      {/* Keyed by the filter and page, so a new query shows the placeholder instead of the old rows. */}
      <Suspense key={JSON.stringify(filter)} fallback={<DevicesTableSkeleton />}>
        <DevicesList
          rows={rows}
          filter={filter}
          base={base}
          canProvision={canProvision}
          canManage={canManage}
        />
      </Suspense>
    </>
  );
}
