"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { reprovisionDevicesAction } from "@/lib/actions/reprovision-devices";
import { removeDeviceAction } from "@/lib/actions/remove-device";
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

export function DeviceActions({
  deviceId,
  registrationId,
  failed,
  canProvision,
  canManage,
  connected,
}: {
  deviceId: number;
  registrationId: string;
  failed: boolean;
  canProvision: boolean;
  canManage: boolean;
  connected: boolean;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [confirmOpen, setConfirmOpen] = useState(false);
  const [removal, setRemoval] = useState<RemovalChoiceState>({ choice: "platform", leaveUncleanable: false });

  const provision = (retry: boolean) =>
    startTransition(async () => {
      const result = await reprovisionDevicesAction({ deviceIds: [deviceId], retry });
      if (result.ok) toast.success(result.message);
      else toast.error(result.message);
      router.refresh();
    });

  const remove = () =>
    startTransition(async () => {
      const result = await removeDeviceAction({ deviceId, ...removal });
      if (result.ok) {
        toast.success(result.message);
        router.push("/devices");
      } else {
        toast.error(result.message);
        setConfirmOpen(false);
        router.refresh();
      }
    });

  return (
    <div className="flex flex-wrap gap-2">
      {canProvision && connected ? (
        failed ? (
          <Button onClick={() => provision(true)} disabled={pending}>
            {pending ? "Retrying…" : "Retry"}
          </Button>
        ) : (
          <Button onClick={() => provision(false)} disabled={pending}>
            {pending ? "Re-provisioning…" : "Re-provision"}
          </Button>
        )
      ) : null}
      {canManage ? (
        <Dialog open={confirmOpen} onOpenChange={setConfirmOpen}>
          <DialogTrigger asChild>
            <Button variant="destructive">Remove</Button>
          </DialogTrigger>
          <DialogContent>
            <DialogHeader>
              <DialogTitle>Remove {registrationId}?</DialogTitle>
              <DialogDescription>
                Choose what happens to the device in Azure DPS and in its IoT hub; the preview says what stays
                where before anything runs.
              </DialogDescription>
            </DialogHeader>
            <RemovalChoices
              idPrefix={`remove-${deviceId}`}
              deviceIds={[deviceId]}
              state={removal}
              onChange={setRemoval}
            />
            <ConfirmFooter
              variant="destructive"
              label="Remove device"
              pendingLabel="Removing…"
              pending={pending}
              onConfirm={remove}
            />
          </DialogContent>
        </Dialog>
      ) : null}
    </div>
  );
}
