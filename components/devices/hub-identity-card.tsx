import Link from "next/link";
import { getHubIdentityForDevice } from "@/lib/hubs/hub-identity-dal";
import {
  AUTHENTICATION_TYPE_TEXT,
  CONNECTION_STATE_CAVEAT,
  type HubIdentityViewDto,
} from "@/lib/hubs/hub-identity-dto";
import { formatDateTime } from "@/lib/format";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";

const TITLE = "Identity in the hub";

function Rows({ rows }: { rows: [string, React.ReactNode][] }) {
  return (
    <dl className="grid gap-x-6 gap-y-1 text-sm sm:grid-cols-[max-content_1fr] sm:gap-y-2">
      {rows.map(([label, value]) => (
        <div key={label} className="contents">
          <dt className="text-muted-foreground">{label}</dt>
          <dd className="mb-2 break-words sm:mb-0">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Body({ view }: { view: HubIdentityViewDto }) {
  switch (view.state) {
    case "no-hub":
      return <p className="text-sm text-muted-foreground">The device is on no hub yet.</p>;
    case "no-credentials":
      return (
        <p className="text-sm text-muted-foreground">
          To see this device&apos;s identity in <span className="font-mono">{view.hubHost}</span>, an
          administrator saves the hub&apos;s connection string (a{" "}
          <span className="font-mono">registryRead</span> policy is enough) on the{" "}
          <Link href="/admin/hyperscaler-integration-center" className="text-link underline">
            Integration tab
          </Link>
          , under IoT hubs.
        </p>
      );
    case "not-found":
      return (
        <p className="text-sm">
          <span className="font-semibold">No identity in the hub.</span>{" "}
          <span className="font-mono">{view.hubHost}</span> has no device{" "}
          <span className="font-mono">{view.deviceId}</span> (read {formatDateTime(view.readAt)}): it was
          deleted, or never created. Re-provisioning the device creates it again.
        </p>
      );
    case "failed":
      return (
        <div className="grid gap-1 text-sm">
          <p className="font-semibold">{view.title}</p>
          <p>{view.detail}</p>
          <p>
            <strong>Next step:</strong> {view.nextStep}
          </p>
        </div>
      );
    case "found": {
      const { identity } = view;
      return (
        <Rows
          rows={[
            [
              "Hub",
              <span key="h" className="font-mono">
                {view.hubHost}
              </span>,
            ],
            [
              "Device ID",
              <span key="d" className="font-mono">
                {identity.deviceId}
              </span>,
            ],
            ["Enabled", identity.status === "enabled" ? "Enabled" : "Disabled"],
            ["Status reason", identity.statusReason ?? "—"],
            [
              "Authentication",
              AUTHENTICATION_TYPE_TEXT[identity.authenticationType] ?? identity.authenticationType,
            ],
            [
              "Last activity",
              identity.lastActivityTime ? formatDateTime(identity.lastActivityTime) : "Never",
            ],
            [
              "Hub's connection state",
              <span key="c">
                {identity.connectionState}
                {identity.connectionStateUpdatedTime
                  ? ` (since ${formatDateTime(identity.connectionStateUpdatedTime)})`
                  : ""}
                <span className="block text-xs text-muted-foreground">{CONNECTION_STATE_CAVEAT}</span>
              </span>,
            ],
            ["Read from the hub", formatDateTime(view.readAt)],
          ]}
        />
      );
    }
  }
}

/** The device's identity as its hub's registry holds it; read when the page is. */
export async function HubIdentityCard({ deviceId }: { deviceId: number }) {
  const view = await getHubIdentityForDevice(deviceId);
  if (!view) return null;
  return (
    <Card aria-label={TITLE}>
      <CardHeader>
        <CardTitle>{TITLE}</CardTitle>
      </CardHeader>
      <CardContent>
        <Body view={view} />
      </CardContent>
    </Card>
  );
}

export function HubIdentityCardLoading() {
  return (
    <Card aria-label={TITLE} aria-busy>
      <CardHeader>
        <CardTitle>{TITLE}</CardTitle>
      </CardHeader>
      <CardContent>
        <p className="text-sm text-muted-foreground">Reading the identity from the hub…</p>
      </CardContent>
    </Card>
  );
}
