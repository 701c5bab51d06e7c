"use client";

import { removeHubCredentialAction } from "@/lib/actions/remove-hub-credential";
import { Button } from "@/components/ui/button";
import { ConfirmActionDialog } from "@/components/forms/confirm-action-dialog";

/** Asks before forgetting a hub's connection string, and says what stops working. */
export function RemoveHubCredentialDialog({ hubHost }: { hubHost: string }) {
  return (
    <ConfirmActionDialog
      trigger={
        <Button
          size="sm"
          variant="ghost"
          className="text-red-700 hover:bg-red-50 hover:text-red-800"
          aria-label={`Remove connection string for ${hubHost}`}
        >
          Remove
        </Button>
      }
      title={<>Remove the connection string of {hubHost}?</>}
      description={
        <>
          The stored string is deleted. Device pages stop showing identities in this hub; the hub check and
          provisioning go on as before. Nothing changes in the hub itself.
        </>
      }
      label="Remove"
      pendingLabel="Removing…"
      run={() => removeHubCredentialAction({ hubHost })}
      successMessage="Removed."
    />
  );
}
