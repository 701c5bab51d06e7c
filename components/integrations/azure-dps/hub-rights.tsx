import { Check, X } from "lucide-react";
import { HUB_RIGHT_TEXT, type HubCredentialRowDto } from "@/lib/hubs/hub-credentials-dto";
import { formatDateTime } from "@/lib/format";

type Credential = NonNullable<HubCredentialRowDto["credential"]>;

/** What a hub policy may do, as the hub answered the probe at save; or why that is not known. */
export function HubRights({ credential, hubHost }: { credential: Credential; hubHost: string }) {
  if (credential.rights === null)
    return (
      <p className="text-xs text-amber-800">
        Rights not checked: {credential.rightsError ?? "no answer from the hub"}. Save the string again to
        check.
      </p>
    );
  const rights = credential.rights;
  return (
    <ul className="grid gap-1" aria-label={`Rights of the ${credential.policyName} policy on ${hubHost}`}>
      {(Object.keys(HUB_RIGHT_TEXT) as (keyof typeof HUB_RIGHT_TEXT)[]).map((right) => {
        const allowed = rights[right];
        const Icon = allowed ? Check : X;
        return (
          <li key={right} className="flex items-start gap-1.5">
            <Icon
              aria-hidden
              className={`mt-0.5 size-3.5 shrink-0 ${allowed ? "text-success-foreground" : "text-destructive"}`}
            />
            <span>
              {HUB_RIGHT_TEXT[right].label}: {allowed ? "allowed" : "not allowed"}
              <span className="block text-xs text-muted-foreground">to {HUB_RIGHT_TEXT[right].use}</span>
            </span>
          </li>
        );
      })}
      {credential.rightsCheckedAt ? (
        <li className="text-xs text-muted-foreground">
          Checked {formatDateTime(credential.rightsCheckedAt)}
        </li>
      ) : null}
    </ul>
  );
}
