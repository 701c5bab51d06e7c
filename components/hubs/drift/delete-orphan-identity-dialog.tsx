"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { deleteOrphanIdentityAction } from "@/lib/actions/delete-orphan-identity";
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

/** Deleting an orphan identity in its hub, after saying exactly what goes. */
export function DeleteOrphanIdentityDialog({ hubHost, deviceId }: { hubHost: string; deviceId: string }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [pending, startTransition] = useTransition();
  const remove = () =>
    startTransition(async () => {
      const result = await deleteOrphanIdentityAction({ hubHost, deviceId });
      if (result.ok) {
        toast.success(result.message);
        setOpen(false);
      } else toast.error(result.message);
      router.refresh();
    });
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="secondary" size="sm" aria-label={`Delete identity ${deviceId} in ${hubHost}`}>
          Delete identity
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>
            Delete the identity {deviceId} in {hubHost}?
          </DialogTitle>
          <DialogDescription>
            Neither Azure DPS nor the platform knows this device. Deleting its identity ends any connection it
            has to {hubHost} and its twin is lost. It is deleted only if it has not changed in the hub since
            the last drift check; the deletion is recorded in the audit log.
          </DialogDescription>
        </DialogHeader>
        <ConfirmFooter
          variant="destructive"
          label="Delete identity in the hub"
          pendingLabel="Deleting…"
          pending={pending}
          onConfirm={remove}
        />
      </DialogContent>
    </Dialog>
  );
}
