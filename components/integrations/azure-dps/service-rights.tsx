import { Check, Minus, X } from "lucide-react";
import { SERVICE_RIGHT_LABELS, SERVICE_RIGHT_USES, type ServiceRight } from "@/lib/dps/service/rights";
import type { ProbedRights } from "@/lib/dps/service/probe";

const SHOWN: ServiceRight[] = ["enrollmentRead", "registrationStatusRead", "registrationStatusWrite"];

/** What the shared access policy may do, as DPS answered the last check; enrollment write is never needed nor tried. */
export function ServiceRights({ rights }: { rights: ProbedRights | null }) {
  if (rights === null)
    return <span className="text-muted-foreground">Not checked yet: use Test connection.</span>;
  return (
    <ul className="grid gap-1" aria-label="Rights of the shared access policy">
      {SHOWN.map((right) => {
        const allowed = rights[right];
        const Icon = allowed === true ? Check : allowed === false ? X : Minus;
        const state = allowed === true ? "allowed" : allowed === false ? "not allowed" : "not known";
        return (
          <li key={right} className="flex items-start gap-1.5">
            <Icon
              aria-hidden
              className={`mt-0.5 size-3.5 shrink-0 ${allowed === true ? "text-success-foreground" : allowed === false ? "text-destructive" : "text-muted-foreground"}`}
            />
            <span>
              {SERVICE_RIGHT_LABELS[right]}: {state}
              <span className="block text-xs text-muted-foreground">to {SERVICE_RIGHT_USES[right]}</span>
            </span>
          </li>
        );
      })}
    </ul>
  );
}
