"use client";

import { useId, useState } from "react";
import { toast } from "sonner";
import { saveHubCredentialAction } from "@/lib/actions/save-hub-credential";
import { LEAST_POLICY_HINT } from "@/lib/hubs/hub-credentials-dto";
import { hubCredentialSchema, type HubCredentialFormInput } from "@/lib/validation/hub-credential";
import { useActionForm } from "@/components/forms/use-action-form";
import { Button } from "@/components/ui/button";
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
import { SecretInput } from "../secret-input";

/**
 * Save or replace one hub's connection string. Write-only: the field always starts empty, and the
 * stored string is never sent to the browser. The server probes the policy's rights before saving.
 */
export function HubCredentialDialog({ hubHost, saved }: { hubHost: string; saved: boolean }) {
  const [open, setOpen] = useState(false);
  const ids = useId();
  const defaults: HubCredentialFormInput = { hubHost, connectionString: "" };
  const { form, submitTo } = useActionForm(hubCredentialSchema, defaults);
  const { errors, isSubmitting } = form.formState;

  const onSave = submitTo(saveHubCredentialAction, (result) => {
    toast.success(result.message ?? "Saved.");
    form.reset(defaults);
    setOpen(false);
  });

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) form.reset(defaults);
      }}
    >
      <DialogTrigger asChild>
        <Button
          size="sm"
          variant={saved ? "secondary" : "default"}
          aria-label={`${saved ? "Replace" : "Save"} connection string for ${hubHost}`}
        >
          {saved ? "Replace" : "Save connection string"}
        </Button>
      </DialogTrigger>
      <DialogContent className="max-w-xl">
        <DialogHeader>
          <DialogTitle>
            {saved ? "Replace" : "Save"} the connection string of {hubHost}
          </DialogTitle>
          <DialogDescription>
            With it, device pages show each device&apos;s identity in this hub. It is stored encrypted and
            never shown again; its rights are checked now, without changing anything in the hub.
          </DialogDescription>
        </DialogHeader>
        <form
          onSubmit={onSave}
          noValidate
          className="grid gap-4"
          aria-label={`Connection string of ${hubHost}`}
        >
          <input type="hidden" {...form.register("hubHost")} />
          <FormField
            id={`${ids}-connection-string`}
            label="Hub connection string"
            error={errors.connectionString?.message ?? errors.hubHost?.message}
            hint={LEAST_POLICY_HINT}
          >
            {(aria) => (
              <SecretInput
                revealLabel="hub connection string"
                placeholder={`HostName=${hubHost};SharedAccessKeyName=registryRead;SharedAccessKey=…`}
                {...aria}
                {...form.register("connectionString")}
              />
            )}
          </FormField>
          <DialogFooter>
            <Button type="button" variant="ghost" onClick={() => setOpen(false)} disabled={isSubmitting}>
              Cancel
            </Button>
            <Button type="submit" disabled={isSubmitting}>
              {isSubmitting ? "Checking and saving…" : "Save"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
