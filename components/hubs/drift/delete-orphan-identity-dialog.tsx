"use client";

import { deleteOrphanIdentityAction } from "@/lib/actions/delete-orphan-identity";
import { Button } from "@/components/ui/button";
import { ConfirmActionDialog } from "@/components/forms/confirm-action-dialog";

/** Deleting an orphan identity in its hub, after saying exactly what goes. */
export function DeleteOrphanIdentityDialog({ hubHost, deviceId }: { hubHost: string; deviceId: string }) {
  return (
    <ConfirmActionDialog
      trigger={
        <Button variant="secondary" size="sm" aria-label={`Delete identity ${deviceId} in ${hubHost}`}>
          Delete identity
        </Button>
      }
      title={
        <>
          Delete the identity {deviceId} in {hubHost}?
        </>
      }
      description={
        <>
          Neither Azure DPS nor the platform knows this device. Deleting its identity ends any connection it
          has to {hubHost} and its twin is lost. It is deleted only if it has not changed in the hub since the
          last drift check; the deletion is recorded in the audit log.
        </>
      }
      label="Delete identity in the hub"
      pendingLabel="Deleting…"
      run={() => deleteOrphanIdentityAction({ hubHost, deviceId })}
      refresh
    />
  );
}
