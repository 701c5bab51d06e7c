"use client";

import { reconcileRegistrationsAction } from "@/lib/actions/reconcile-registrations";
import { StartRunButton } from "@/components/findings/start-run-button";

/** Starts a reconciliation on the queue; the page then follows its progress. */
export function ReconcileButton({ busy }: { busy: boolean }) {
  return (
    <StartRunButton
      busy={busy}
      start={() => reconcileRegistrationsAction({})}
      label="Reconcile now"
      busyLabel="Reconciling…"
    />
  );
}
