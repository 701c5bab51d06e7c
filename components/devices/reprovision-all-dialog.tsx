"use client";

import { useState, useTransition } from "react";
import { toast } from "sonner";
import { reprovisionDevicesAction } from "@/lib/actions/reprovision-devices";
import { formatDuration } from "@/lib/format-duration";
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

export function ReprovisionAllDialog({
  count,
  seconds,
  registrationsPerMinute,
}: {
  count: number;
  seconds: number;
  registrationsPerMinute: number;
}) {
  const [open, setOpen] = useState(false);
  const [pending, startTransition] = useTransition();

  const confirm = () =>
    startTransition(async () => {
      const result = await reprovisionDevicesAction({ all: true });
      if (result.ok) {
        toast.success(result.message);
        setOpen(false);
      } else toast.error(result.message);
    });

  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="secondary" disabled={count === 0}>
          Re-provision all
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Re-provision all devices?</DialogTitle>
          <DialogDescription>
            {count.toLocaleString("en")} devices will register with Azure DPS again. At the configured{" "}
            {registrationsPerMinute.toLocaleString("en")} registrations per minute this takes about{" "}
            {formatDuration(seconds)}. DPS may move devices to another hub under its allocation policy; each
            move is recorded in the device&apos;s history.
          </DialogDescription>
        </DialogHeader>
        <ConfirmFooter
          label={`Re-provision ${count.toLocaleString("en")} devices`}
          pendingLabel="Queuing…"
          pending={pending}
          onConfirm={confirm}
        />
      </DialogContent>
    </Dialog>
  );
}
