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
import { DeleteRecordOption } from "./delete-record-option";
import { RemoveNotice } from "./remove-notice";

/** Removing the selected devices through the queue, optionally with their DPS registration records. */
export function RemoveSelectedDialog({
  deviceIds,
  recordCleanup,
  onDone,
}: {
  deviceIds: number[];
  recordCleanup: { available: boolean; policyName: string | null };
  onDone: () => void;
}) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [deleteRecords, setDeleteRecords] = useState(false);
  const [pending, startTransition] = useTransition();
  const count = deviceIds.length;
  const remove = () =>
    startTransition(async () => {
      const result = await removeDevicesAction({
        deviceIds,
        deleteDpsRecords: deleteRecords && recordCleanup.available,
      });
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
            <RemoveNotice
              deleteRecord={deleteRecords && recordCleanup.available}
              hub={null}
              plural={count !== 1}
            />{" "}
            Each outcome is in the audit log.
          </DialogDescription>
        </DialogHeader>
        <DeleteRecordOption
          {...recordCleanup}
          checked={deleteRecords}
          onChange={setDeleteRecords}
          plural={count !== 1}
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
