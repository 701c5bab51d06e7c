"use client";

import { reprovisionDevicesAction } from "@/lib/actions/reprovision-devices";
import { formatDuration } from "@/lib/format-duration";
import { Button } from "@/components/ui/button";
import { ConfirmActionDialog } from "@/components/forms/confirm-action-dialog";

export function ReprovisionAllDialog({
  count,
  seconds,
  registrationsPerMinute,
}: {
  count: number;
  seconds: number;
  registrationsPerMinute: number;
}) {
  return (
    <ConfirmActionDialog
      trigger={
        <Button variant="secondary" disabled={count === 0}>
          Re-provision all
        </Button>
      }
      title="Re-provision all devices?"
      description={
        <>
          {count.toLocaleString("en")} devices will register with Azure DPS again. At the configured{" "}
          {registrationsPerMinute.toLocaleString("en")} registrations per minute this takes about{" "}
          {formatDuration(seconds)}. DPS may move devices to another hub under its allocation policy; each
          move is recorded in the device&apos;s history.
        </>
      }
      label={`Re-provision ${count.toLocaleString("en")} devices`}
      pendingLabel="Queuing…"
      run={() => reprovisionDevicesAction({ all: true })}
      variant="default"
    />
  );
}
