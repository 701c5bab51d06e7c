import type { Metadata } from "next";
import { Suspense } from "react";
import Link from "next/link";
import { notFound } from "next/navigation";
import { guardPage } from "@/lib/auth/guard-page";
import { hasPermission } from "@/lib/auth/permissions";
import { getDeviceForView, getDevicesOverview } from "@/lib/devices/devices-dal";
import { getIncompleteRemoval } from "@/lib/devices/device-removal-dal";
import { IncompleteRemoval } from "@/components/devices/incomplete-removal";
import { PageHeader } from "@/components/shell/page-header";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Alert } from "@/components/ui/alert";
import { StatusBadge } from "@/components/devices/status-badge";
import { HubStatusBadge } from "@/components/devices/hub-status-badge";
import { CheckHubButton } from "@/components/devices/check-hub-button";
import { DeviceActions } from "@/components/devices/device-actions";
import { HistoryTimeline } from "@/components/devices/history-timeline";
import { explainDeviceError } from "@/components/devices/device-error";
import { AutoRefresh } from "@/components/devices/auto-refresh";
import { HubIdentityCard, HubIdentityCardLoading } from "@/components/devices/hub-identity-card";
import { TroubleshootPanel } from "@/components/hubs/troubleshoot/troubleshoot-panel";
import { formatDateTime } from "@/lib/format";

export const metadata: Metadata = { title: "Device" };

export default async function DevicePage({ params }: { params: Promise<{ id: string }> }) {
  const user = await guardPage("devices.view");
  const { id } = await params;
  if (!/^\d{1,15}$/.test(id)) notFound();
  const [found, { engine }, incompleteRemoval] = await Promise.all([
    getDeviceForView(Number(id)),
    getDevicesOverview(),
    getIncompleteRemoval(Number(id)),
  ]);
  if (!found) notFound();
  const { device, history } = found;
  const explanation = explainDeviceError(device);
  const canCheckHub = hasPermission(user.role, "devices.check-hub");
  const rows: [string, React.ReactNode][] = [
    ["Status", <StatusBadge key="s" status={device.status} />],
    [
      "Assigned IoT hub",
      device.assignedHub ? (
        <span key="h" className="font-mono">
          {device.assignedHub}
        </span>
      ) : (
        "No hub yet"
      ),
    ],
    [
      "Hub status",
      <span key="hs" className="inline-flex flex-wrap items-center gap-2">
        <HubStatusBadge status={device.hubStatus} />
        {device.hubStatus === "connected" && device.hubCheckedAt ? (
          <span className="text-xs">
            to <span className="font-mono">{device.hubCheckedHub}</span> at{" "}
            {formatDateTime(device.hubCheckedAt)}
          </span>
        ) : device.hubStatus !== "unchecked" && device.hubCheckedAt ? (
          <span className="text-xs">checked {formatDateTime(device.hubCheckedAt)}</span>
        ) : null}
        {device.hubCheckPending ? (
          <span className="text-xs text-muted-foreground">a check is due</span>
        ) : null}
      </span>,
    ],
    ["Device ID", device.dpsDeviceId ?? "—"],
    ["Substatus", device.substatus ?? "—"],
    ["Name", device.name ?? "—"],
    ["Attempts", device.attemptCount],
    ["Next retry", device.nextRetryAt ? formatDateTime(device.nextRetryAt) : "—"],
    ["Registered in DPS", device.dpsCreatedAt ? formatDateTime(device.dpsCreatedAt) : "—"],
    ["Last DPS update", device.dpsUpdatedAt ? formatDateTime(device.dpsUpdatedAt) : "—"],
    ["Last operation", device.lastOperationId ?? "—"],
    [
      "Added",
      `${formatDateTime(device.createdAt)}${device.createdByEmail ? ` by ${device.createdByEmail}` : ""}`,
    ],
    [
      "Custom allocation payload",
      device.payload ? (
        <code key="p" className="text-xs">
          {JSON.stringify(device.payload)}
        </code>
      ) : (
        "—"
      ),
    ],
  ];

  return (
    <>
      <AutoRefresh
        active={
          device.status === "assigning" ||
          device.status === "pending" ||
          (device.status === "assigned" && device.hubCheckPending)
        }
      />
      <p className="mb-2 text-sm">
        <Link href="/devices" className="text-link underline">
          ← All devices
        </Link>
      </p>
      <PageHeader
        title={device.registrationId}
        description={device.assignedHub ? `On ${device.assignedHub}.` : "No IoT hub yet."}
        actions={
          <>
            {canCheckHub && device.status === "assigned" ? <CheckHubButton deviceId={device.id} /> : null}
            <DeviceActions
              deviceId={device.id}
              registrationId={device.registrationId}
              failed={device.status === "failed"}
              canProvision={hasPermission(user.role, "devices.provision")}
              canManage={hasPermission(user.role, "devices.manage")}
              connected={engine.connected}
            />
          </>
        }
      />
      {incompleteRemoval ? (
        <IncompleteRemoval
          deviceId={device.id}
          removal={incompleteRemoval}
          canManage={hasPermission(user.role, "devices.manage")}
        />
      ) : null}
      {device.status === "assigned" &&
      (device.hubStatus === "refused" || device.hubStatus === "unreachable") ? (
        <Alert
          tone={device.hubStatus === "refused" ? "danger" : "warning"}
          className="mb-6"
          aria-label="Hub status"
        >
          <p className="font-semibold">
            {device.hubStatus === "refused"
              ? `${device.hubCheckedHub ?? "The hub"} refused the device${device.hubErrorCode ? ` (code ${device.hubErrorCode})` : ""}`
              : `${device.hubCheckedHub ?? "The hub"} could not be reached`}
          </p>
          {device.hubErrorMessage ? <p className="mt-1">{device.hubErrorMessage}</p> : null}
          {device.hubNextStep ? (
            <p className="mt-1">
              <strong>Next step:</strong> {device.hubNextStep}
            </p>
          ) : null}
        </Alert>
      ) : null}
      {explanation ? (
        <Alert tone="danger" className="mb-6">
          <p className="font-semibold">{explanation.title}</p>
          <p className="mt-1">{explanation.detail}</p>
          <p className="mt-1">
            <strong>Next step:</strong> {explanation.nextStep}
          </p>
          {device.lastErrorCode || device.lastErrorMessage ? (
            <p className="mt-1 text-xs opacity-80">
              DPS said: {device.lastErrorCode ? `${device.lastErrorCode} ` : ""}
              {device.lastErrorMessage}
            </p>
          ) : null}
        </Alert>
      ) : null}
      <TroubleshootPanel deviceId={device.id} />
      <div className="grid gap-6 lg:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle>Details</CardTitle>
          </CardHeader>
          <CardContent>
            {/* Label beside value from sm up; on a phone the label sits above its value, so a hub name gets the full width. */}
            <dl className="grid gap-x-6 gap-y-1 text-sm sm:grid-cols-[max-content_1fr] sm:gap-y-2">
              {rows.map(([label, value]) => (
                <div key={label} className="contents">
                  <dt className="text-muted-foreground">{label}</dt>
                  <dd className="mb-2 break-all sm:mb-0">{value}</dd>
                </div>
              ))}
            </dl>
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Provisioning history</CardTitle>
          </CardHeader>
          <CardContent>
            <HistoryTimeline entries={history} />
          </CardContent>
        </Card>
        {device.assignedHub ? (
          <Suspense fallback={<HubIdentityCardLoading />}>
            <HubIdentityCard deviceId={device.id} />
          </Suspense>
        ) : null}
      </div>
    </>
  );
}
