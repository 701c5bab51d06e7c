"use client";

import { useState, useTransition } from "react";
import { toast } from "sonner";
import { disconnectDpsIntegrationAction } from "@/lib/actions/disconnect-dps-integration";
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

/** Asks before disconnecting and says exactly what does and does not happen. */
export function DpsDisconnectDialog({ version }: { version: number }) {
  const [open, setOpen] = useState(false);
  const [pending, startTransition] = useTransition();

  const disconnect = () =>
    startTransition(async () => {
      const result = await disconnectDpsIntegrationAction({ version });
      if (result.ok) {
        toast.success(result.message ?? "Disconnected.");
        setOpen(false);
      } else {
        toast.error(result.message);
      }
    });

  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="ghost" className="text-red-700 hover:bg-red-50 hover:text-red-800">
          Disconnect
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Disconnect Azure DPS?</DialogTitle>
          <DialogDescription>
            The stored enrollment group keys are deleted. This is what happens:
          </DialogDescription>
        </DialogHeader>
        <ul className="grid list-disc gap-2 pl-5 text-sm text-slate-700">
          <li>
            <span className="font-medium text-slate-900">Provisioning stops.</span> No device is registered
            with DPS until you connect again.
          </li>
          <li>
            <span className="font-medium text-slate-900">Devices stay.</span> Every device and its last known
            IoT hub remain in this app.
          </li>
          <li>
            <span className="font-medium text-slate-900">Nothing is removed in Azure.</span> The enrollment
            group, its registrations and the devices in your IoT hubs are untouched.
          </li>
          <li>The ID Scope and hostname are kept, so reconnecting only needs the key.</li>
        </ul>
        <ConfirmFooter
          variant="destructive"
          label="Disconnect"
          pendingLabel="Disconnecting…"
          pending={pending}
          onConfirm={disconnect}
        />
      </DialogContent>
    </Dialog>
  );
}
