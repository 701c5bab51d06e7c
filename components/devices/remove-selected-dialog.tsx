"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { removeDevicesAction } from "@/lib/actions/remove-devices";
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
import { RemovalChoices, type RemovalChoiceState } from "./removal-choices";

/** Removing the selected devices through the queue, the chosen way, with counts of what stays where first. */
export function RemoveSelectedDialog({ deviceIds, onDone }: { deviceIds: number[]; onDone: () => void }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [removal, setRemoval] = useState<RemovalChoiceState>({ choice: "platform", leaveUncleanable: false });
  const [pending, startTransition] = useTransition();
  const count = deviceIds.length;
  const remove = () =>
    startTransition(async () => {
      const result = await removeDevicesAction({ deviceIds, ...removal });
      if (result.ok) {
        toast.success(result.message);
        setOpen(false);
        onDone();
      } else toast.error(result.message);
      router.refresh();
    });
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button size="sm" variant="destructive">
          Remove selected
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>
            Remove {count} {count === 1 ? "device" : "devices"}?
          </DialogTitle>
          <DialogDescription>
            Choose what happens to the devices in Azure DPS and in their IoT hubs; the counts say what stays
            where before anything runs. Each outcome is in the audit log.
          </DialogDescription>
        </DialogHeader>
        <RemovalChoices
          idPrefix="remove-selected"
          deviceIds={deviceIds}
          selection
          state={removal}
          onChange={setRemoval}
        />
        <ConfirmFooter
          variant="destructive"
          label={`Remove ${count} ${count === 1 ? "device" : "devices"}`}
          pendingLabel="Removing…"
          pending={pending}
          onConfirm={remove}
        />
      </DialogContent>
    </Dialog>
  );
}
