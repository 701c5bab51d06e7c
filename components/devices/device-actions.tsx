"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { reprovisionDevicesAction } from "@/lib/actions/reprovision-devices";
import { removeDeviceAction } from "@/lib/actions/remove-device";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { ConfirmFooter } from "@/components/forms/confirm-footer";

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

  const provision = (retry: boolean) =>
    startTransition(async () => {
      const result = await reprovisionDevicesAction({ deviceIds: [deviceId], retry });
      if (result.ok) toast.success(result.message);
      else toast.error(result.message);
      router.refresh();
    });

  const remove = () =>
    startTransition(async () => {
      const result = await removeDeviceAction({ deviceId });
      if (result.ok) {
        toast.success(result.message);
        router.push("/devices");
      } else toast.error(result.message);
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
                The device is removed from this platform only: the device stays registered in the Azure DPS enrollment group and in its IoT hub. To revoke it there,
                disable or delete its registration in the Azure portal.
              </DialogDescription>
            </DialogHeader>
            <ConfirmFooter variant="destructive" label="Remove device" pendingLabel="Removing…" pending={pending} onConfirm={remove} />
          </DialogContent>
        </Dialog>
      ) : null}
    </div>
  );
}
