"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { useWatch } from "react-hook-form";
import { toast } from "sonner";
import { newDeviceSchema, registrationIdHint } from "@/lib/validation/device";
import { addDeviceAction } from "@/lib/actions/add-device";
import { useActionForm } from "@/components/forms/use-action-form";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { FormField } from "@/components/ui/form-field";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from "@/components/ui/dialog";

export function AddDeviceDialog({ connected }: { connected: boolean }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const { form, submitTo } = useActionForm(newDeviceSchema, { registrationId: "", name: "", payload: "" });
  const { errors, isSubmitting } = form.formState;
  const registrationId = useWatch({ control: form.control, name: "registrationId" });

  const onSubmit = submitTo(addDeviceAction, (result) => {
    toast.success(result.message);
    form.reset();
    setOpen(false);
    router.refresh();
  });

  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button>Add device</Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Add device</DialogTitle>
          <DialogDescription>
            {connected
              ? "The device is registered with Azure DPS right away; you will see its IoT hub when you save."
              : "Azure DPS is not connected yet: the device waits as Pending and is provisioned once it is."}
          </DialogDescription>
        </DialogHeader>
        <form onSubmit={onSubmit} noValidate className="grid gap-4">
          <FormField
            id="device-registration-id"
            label="Registration ID"
            hint={
              registrationIdHint(registrationId ?? "") ??
              "Letters, digits and - . _ : (up to 128), ending in a letter, digit or -."
            }
            error={errors.registrationId?.message}
          >
            {(aria) => (
              <Input autoComplete="off" spellCheck={false} {...aria} {...form.register("registrationId")} />
            )}
          </FormField>
          <FormField id="device-name" label="Name (optional)" error={errors.name?.message}>
            {(aria) => <Input autoComplete="off" {...aria} {...form.register("name")} />}
          </FormField>
          <FormField
            id="device-payload"
            label="Custom allocation payload (optional)"
            hint='A JSON object sent to a custom allocation webhook, e.g. {"site": "berlin"}.'
            error={errors.payload?.message}
          >
            {(aria) => (
              <textarea
                rows={3}
                className="rounded-md border border-slate-300 px-3 py-2 font-mono text-xs aria-invalid:border-red-600"
                {...aria}
                {...form.register("payload")}
              />
            )}
          </FormField>
          <DialogFooter>
            <Button type="submit" disabled={isSubmitting}>
              {isSubmitting ? (connected ? "Adding and provisioning…" : "Adding…") : "Add device"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
