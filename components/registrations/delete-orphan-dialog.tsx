"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { deleteOrphanRegistrationAction } from "@/lib/actions/delete-orphan-registration";
import { Button } from "@/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from "@/components/ui/dialog";
import { ConfirmFooter } from "@/components/forms/confirm-footer";

/** Deleting an orphan's registration record in DPS, after saying exactly what goes and what stays. */
export function DeleteOrphanDialog({ registrationId, hub }: { registrationId: string; hub: string | null }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [pending, startTransition] = useTransition();
  const remove = () =>
    startTransition(async () => {
      const result = await deleteOrphanRegistrationAction({ registrationId });
      if (result.ok) {
        toast.success(result.message);
        setOpen(false);
      } else toast.error(result.message);
      router.refresh();
    });
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="secondary" size="sm" aria-label={`Delete record of ${registrationId} in Azure DPS`}>
          Delete record
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Delete the registration record of {registrationId}?</DialogTitle>
          <DialogDescription>
            Azure DPS forgets this registration: the enrollment group no longer lists it, and the device would
            get a new record if it registered again. The device identity {registrationId} in the IoT hub{" "}
            {hub ?? "it was assigned to"} stays: DPS does not delete it, and neither does this app. Delete it
            in the IoT hub if the device must no longer connect. The record is deleted only if it has not
            changed in DPS since the last reconciliation.
          </DialogDescription>
        </DialogHeader>
        <ConfirmFooter
          variant="destructive"
          label="Delete record in DPS"
          pendingLabel="Deleting…"
          pending={pending}
          onConfirm={remove}
        />
      </DialogContent>
    </Dialog>
  );
}
