"use client";

import { deleteOrphanRegistrationAction } from "@/lib/actions/delete-orphan-registration";
import { Button } from "@/components/ui/button";
import { ConfirmActionDialog } from "@/components/forms/confirm-action-dialog";

/** Deleting an orphan's registration record in DPS, after saying exactly what goes and what stays. */
export function DeleteOrphanDialog({ registrationId, hub }: { registrationId: string; hub: string | null }) {
  return (
    <ConfirmActionDialog
      trigger={
        <Button variant="secondary" size="sm" aria-label={`Delete record of ${registrationId} in Azure DPS`}>
          Delete record
        </Button>
      }
      title={<>Delete the registration record of {registrationId}?</>}
      description={
        <>
          Azure DPS forgets this registration: the enrollment group no longer lists it, and the device would
          get a new record if it registered again. The device identity {registrationId} in the IoT hub{" "}
          {hub ?? "it was assigned to"} stays: DPS does not delete it, and neither does this app. Delete it in
          the IoT hub if the device must no longer connect. The record is deleted only if it has not changed
          in DPS since the last reconciliation.
        </>
      }
      label="Delete record in DPS"
      pendingLabel="Deleting…"
      run={() => deleteOrphanRegistrationAction({ registrationId })}
      refresh
    />
  );
}
