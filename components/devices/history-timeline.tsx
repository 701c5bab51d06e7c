import type { HistoryEntryDto } from "@/lib/devices/device-dto";
import { formatDateTime } from "@/lib/format";
import { explainDpsError } from "@/lib/integrations/azure-dps/explain-dps-error";
import { cn } from "@/lib/cn";

const TRIGGER_LABELS: Record<string, string> = {
  add: "Added",
  import: "CSV import",
  connect: "DPS connected",
  reprovision: "Re-provision",
  retry: "Retry",
  automatic: "Automatic retry",
  remove: "Removal",
  "hub-check": "Hub check",
  "hub-check-manual": "Hub check (asked)",
  "old-hub-cleanup": "Old hub after the move",
};

const HUB_OUTCOME_LABELS: Record<string, string> = {
  "hub-connected": "connected",
  "hub-refused": "refused",
  "hub-unreachable": "unreachable",
};

/** Each attempt, newest first; a move to another hub stands out because support staff ask about exactly that. */
export function HistoryTimeline({ entries }: { entries: HistoryEntryDto[] }) {
  if (entries.length === 0) return <p className="text-sm text-slate-500">No provisioning attempt yet.</p>;
  return (
    <ol className="grid gap-3" aria-label="Provisioning history">
      {entries.map((e) => {
        const hubCheck = e.outcome in HUB_OUTCOME_LABELS;
        // What became of the identity a move left in the old hub: only "left" asks for attention.
        const oldHub = e.trigger === "old-hub-cleanup";
        const failed = oldHub
          ? e.outcome === "old identity left"
          : hubCheck
            ? e.outcome !== "hub-connected"
            : e.outcome !== "assigned";
        // A removal DPS refused carries its own explanation (the service API's, not the device API's);
        // a hub check carries the hub's (its explanation and next step are in its message).
        const removal = e.trigger === "remove";
        const explanation =
          failed && e.errorKind && !removal && !hubCheck && !oldHub
            ? explainDpsError({
                kind: e.errorKind,
                dpsErrorCode: e.errorCode ? Number(e.errorCode) : undefined,
                message: e.errorMessage ?? undefined,
              })
            : null;
        return (
          <li
            key={e.id}
            className={cn(
              "rounded-md border p-3 text-sm",
              e.hubChanged
                ? "border-amber-300 bg-amber-50"
                : failed
                  ? "border-red-200 bg-red-50/50"
                  : "border-slate-200 bg-white",
            )}
          >
            <div className="flex flex-wrap items-baseline justify-between gap-2">
              <span className="font-medium">
                {TRIGGER_LABELS[e.trigger] ?? e.trigger}: {HUB_OUTCOME_LABELS[e.outcome] ?? e.outcome}
                {e.hub ? (
                  <>
                    {" "}
                    on <span className="font-mono text-xs">{e.hub}</span>
                  </>
                ) : null}
              </span>
              <time dateTime={e.finishedAt} className="text-xs text-slate-600">
                {formatDateTime(e.finishedAt)} · {(e.durationMs / 1000).toFixed(1)} s
              </time>
            </div>
            {e.hubChanged ? (
              <p className="mt-1 font-medium text-amber-900">
                Hub changed: {e.previousHub} → {e.hub}
              </p>
            ) : null}
            <p className="mt-1 text-xs text-slate-600">
              {[
                e.substatus && `substatus ${e.substatus}`,
                e.operationId && `operation ${e.operationId}`,
                e.keyUsed && `${e.keyUsed} key`,
                e.triggeredByEmail && `by ${e.triggeredByEmail}`,
              ]
                .filter(Boolean)
                .join(" · ")}
            </p>
            {hubCheck && e.errorMessage ? (
              <p className="mt-1 text-xs text-red-900">
                {e.errorCode ? `Code ${e.errorCode}. ` : ""}
                {e.errorMessage}
              </p>
            ) : null}
            {oldHub && e.errorMessage ? (
              <p className={cn("mt-1 text-xs", failed ? "text-red-900" : "text-slate-600")}>
                {e.errorMessage}
              </p>
            ) : null}
            {removal && e.errorMessage ? (
              <p className="mt-1 text-xs text-red-900">The device was kept. {e.errorMessage}</p>
            ) : null}
            {explanation ? (
              <p className="mt-1 text-xs text-red-900">
                {explanation.title}. {explanation.nextStep}
              </p>
            ) : null}
          </li>
        );
      })}
    </ol>
  );
}
