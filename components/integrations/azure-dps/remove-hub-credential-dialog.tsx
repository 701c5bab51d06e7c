"use client";

import { useState, useTransition } from "react";
import { toast } from "sonner";
import { removeHubCredentialAction } from "@/lib/actions/remove-hub-credential";
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

/** Asks before forgetting a hub's connection string, and says what stops working. */
export function RemoveHubCredentialDialog({ hubHost }: { hubHost: string }) {
  const [open, setOpen] = useState(false);
  const [pending, startTransition] = useTransition();
  const remove = () =>
    startTransition(async () => {
      const result = await removeHubCredentialAction({ hubHost });
      if (result.ok) {
        toast.success(result.message ?? "Removed.");
        setOpen(false);
      } else toast.error(result.message);
    });
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button
          size="sm"
          variant="ghost"
          className="text-red-700 hover:bg-red-50 hover:text-red-800"
          aria-label={`Remove connection string for ${hubHost}`}
        >
          Remove
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Remove the connection string of {hubHost}?</DialogTitle>
          <DialogDescription>
            The stored string is deleted. Device pages stop showing identities in this hub; the hub check and
            provisioning go on as before. Nothing changes in the hub itself.
          </DialogDescription>
        </DialogHeader>
        <ConfirmFooter
          variant="destructive"
          label="Remove"
          pendingLabel="Removing…"
          pending={pending}
          onConfirm={remove}
        />
      </DialogContent>
    </Dialog>
  );
}
