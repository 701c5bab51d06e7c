"use client";

import { requestHubDriftAction } from "@/lib/actions/request-hub-drift";
import { StartRunButton } from "@/components/findings/start-run-button";

/** Starts a drift check on the queue; the page then follows its progress. */
export function RequestDriftButton({ busy }: { busy: boolean }) {
  return (
    <StartRunButton
      busy={busy}
      start={() => requestHubDriftAction({})}
      label="Check hubs now"
      busyLabel="Checking hubs…"
    />
  );
}
