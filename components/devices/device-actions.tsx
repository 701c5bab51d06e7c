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
import { DeleteRecordOption } from "./delete-record-option";
import { RemoveNotice } from "./remove-notice";

export function DeviceActions({
  deviceId,
  registrationId,
  failed,
  canProvision,
  canManage,
  connected,
  hub,
  recordCleanup,
}: {
  deviceId: number;
  registrationId: string;
  failed: boolean;
  canProvision: boolean;
  canManage: boolean;
  connected: boolean;
  hub: string | null;
  recordCleanup: { available: boolean; policyName: string | null };
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [confirmOpen, setConfirmOpen] = useState(false);
  const [deleteRecord, setDeleteRecord] = useState(false);

  const provision = (retry: boolean) =>
    startTransition(async () => {
      const result = await reprovisionDevicesAction({ deviceIds: [deviceId], retry });
      if (result.ok) toast.success(result.message);
      else toast.error(result.message);
      router.refresh();
    });

  const remove = () =>
    startTransition(async () => {
      const result = await removeDeviceAction({
        deviceId,
        deleteDpsRecord: deleteRecord && recordCleanup.available,
      });
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
                <RemoveNotice
                  deleteRecord={deleteRecord && recordCleanup.available}
                  hub={hub}
                  plural={false}
                />
              </DialogDescription>
            </DialogHeader>
            <DeleteRecordOption
              {...recordCleanup}
              checked={deleteRecord}
              onChange={setDeleteRecord}
              plural={false}
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
