import type { HubCredentialsDto, HubSource } from "@/lib/hubs/hub-credentials-dto";
import { formatDateTime } from "@/lib/format";
import { HubCredentialDialog } from "./hub-credential-dialog";
import { HubRights } from "./hub-rights";
import { RemoveHubCredentialDialog } from "./remove-hub-credential-dialog";

const TITLE_ID = "azure-dps-hubs-title";

/** Why a hub is listed, in words (a saved string is not a reason: the row shows it by itself). */
const SOURCE_TEXT: Record<HubSource, (deviceCount: number) => string | null> = {
  "enrollment-group": () => "linked to the enrollment group",
  devices: (n) => `${n.toLocaleString("en-US")} ${n === 1 ? "device" : "devices"} assigned`,
  saved: () => null,
};

function sourcesText(sources: HubSource[], deviceCount: number): string {
  return sources
    .map((source) => SOURCE_TEXT[source](deviceCount))
    .filter((text) => text !== null)
    .join(" · ");
}

/**
 * The IoT hubs the enrollment group may use, each with its optional service connection string:
 * which policy is saved and what it may do (never the string). Administrators save, replace or
 * remove; everyone else sees the same facts without buttons.
 */
export function HubCredentialsSection({ hubs }: { hubs: HubCredentialsDto }) {
  return (
    <section aria-labelledby={TITLE_ID} className="grid gap-3 border-t border-slate-200 pt-4">
      <div className="grid gap-1">
        <h3 id={TITLE_ID} className="text-sm font-semibold text-slate-900">
          IoT hubs
        </h3>
        <p className="text-sm text-slate-700">
          Optional: a hub connection string lets device pages show each device&apos;s identity in its hub. Ask
          for the least policy: <span className="font-mono">registryRead</span> to look,{" "}
          <span className="font-mono">registryReadWrite</span> to delete or disable identities. The hub check
          works without it.
        </p>
        {!hubs.groupHubsKnown ? (
          <p className="text-xs text-slate-600">
            The enrollment group&apos;s linked hubs are listed once a DPS service connection string is saved
            (Edit → Advanced); until then, the hubs devices were assigned to.
          </p>
        ) : null}
      </div>
      {hubs.hubs.length === 0 ? (
        <p className="text-sm text-slate-600">No hubs known yet: none is linked or has devices.</p>
      ) : (
        <ul className="grid gap-3" aria-label="IoT hubs">
          {hubs.hubs.map((hub) => (
            <li
              key={hub.hubHost}
              aria-label={hub.hubHost}
              className="grid gap-2 rounded-md border border-slate-200 p-3"
            >
              <div className="flex flex-wrap items-start justify-between gap-2">
                <div className="grid min-w-0 gap-0.5">
                  <span className="break-all font-mono text-sm text-slate-900">{hub.hubHost}</span>
                  <span className="text-xs text-slate-600">
                    {sourcesText(hub.sources, hub.deviceCount) || "no longer linked, no devices"}
                  </span>
                </div>
                {hubs.canManage ? (
                  <div className="flex gap-2">
                    <HubCredentialDialog hubHost={hub.hubHost} saved={hub.credential !== null} />
                    {hub.credential ? <RemoveHubCredentialDialog hubHost={hub.hubHost} /> : null}
                  </div>
                ) : null}
              </div>
              {hub.credential ? (
                <div className="grid gap-1 text-sm">
                  <p>
                    Policy <span className="font-mono">{hub.credential.policyName}</span> (key stored
                    encrypted), saved {formatDateTime(hub.credential.savedAt)}
                    {hub.credential.savedBy ? ` by ${hub.credential.savedBy}` : ""}
                  </p>
                  <HubRights credential={hub.credential} hubHost={hub.hubHost} />
                </div>
              ) : (
                <p className="text-sm text-slate-600">No connection string saved.</p>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
