"use client";

import { useTransition } from "react";
import { toast } from "sonner";
import { setProvisioningPausedAction } from "@/lib/actions/set-provisioning-paused";
import { formatDuration } from "@/lib/format-duration";
import { Button } from "@/components/ui/button";
import {
  DpsKeyRefusedNotice,
  DpsUnreachableNotice,
} from "@/components/integrations/azure-dps/dps-health-notice";
import type { DpsHealth } from "@/lib/provisioning/types";

export type EnginePanelProps = {
  connected: boolean;
  paused: boolean;
  /** DPS's health as the engine sees it: while unreachable or refusing the key, provisioning waits. */
  dps: DpsHealth;
  /** May change the integration (to say who can end a refused key). */
  canManageIntegration: boolean;
  queued: number;
  registrationsPerMinute: number;
  activeRun: {
    trigger: string;
    total: number;
    done: number;
    failed: number;
    ratePerMinute: number;
    etaSeconds: number | null;
  } | null;
  canControl: boolean;
};

/** Bulk provisioning at a glance: progress, rate against the quota, ETA, and pause/resume. */
export function EnginePanel({
  connected,
  paused,
  dps,
  canManageIntegration,
  queued,
  registrationsPerMinute,
  activeRun,
  canControl,
}: EnginePanelProps) {
  const [pending, startTransition] = useTransition();
  const toggle = () =>
    startTransition(async () => {
      const result = await setProvisioningPausedAction({ paused: !paused });
      if (result.ok) toast.success(result.message);
      else toast.error(result.message);
    });

  const percent =
    activeRun && activeRun.total > 0
      ? Math.min(100, Math.round((activeRun.done / activeRun.total) * 100))
      : 0;
  return (
    <div className="grid gap-2 text-sm" aria-label="Provisioning engine">
      {connected && dps.state === "unreachable" ? (
        <DpsUnreachableNotice health={dps} />
      ) : connected && dps.state === "key-refused" ? (
        <DpsKeyRefusedNotice health={dps} canManageIntegration={canManageIntegration} />
      ) : (
        <p>
          {!connected ? (
            <span className="text-amber-800">Azure DPS is not connected: provisioning waits.</span>
          ) : paused ? (
            <span className="font-medium text-amber-800">Paused: queued work waits until you resume.</span>
          ) : (
            <span className="text-slate-700">
              Running, at most {registrationsPerMinute.toLocaleString("en")} registrations per minute.
            </span>
          )}
        </p>
      )}
      {activeRun ? (
        <div className="grid gap-1">
          <div className="flex justify-between text-xs text-slate-600">
            <span>
              {activeRun.trigger} run: {activeRun.done.toLocaleString("en")} of{" "}
              {activeRun.total.toLocaleString("en")} done
              {activeRun.failed ? `, ${activeRun.failed.toLocaleString("en")} failed` : ""}
            </span>
            <span>
              {Math.round(activeRun.ratePerMinute).toLocaleString("en")}/min
              {activeRun.etaSeconds !== null ? ` · about ${formatDuration(activeRun.etaSeconds)} left` : ""}
            </span>
          </div>
          <div
            className="h-2 w-full overflow-hidden rounded bg-slate-100"
            role="progressbar"
            aria-label="Bulk provisioning progress"
            aria-valuenow={percent}
            aria-valuemin={0}
            aria-valuemax={100}
          >
            <div className="h-full bg-blue-700" style={{ width: `${percent}%` }} />
          </div>
        </div>
      ) : queued > 0 ? (
        <p className="text-xs text-slate-600">{queued.toLocaleString("en")} attempts queued.</p>
      ) : (
        <p className="text-xs text-slate-500">No bulk run in progress.</p>
      )}
      {canControl ? (
        <div>
          <Button size="sm" variant="secondary" onClick={toggle} disabled={pending}>
            {paused ? "Resume provisioning" : "Pause provisioning"}
          </Button>
        </div>
      ) : null}
    </div>
  );
}
