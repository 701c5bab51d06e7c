"use client";

import { useId, useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { useWatch } from "react-hook-form";
import { toast } from "sonner";
import { TriangleAlert } from "lucide-react";
import {
  DEFAULT_DPS_HOST,
  DPS_FIELD_LABELS,
  dpsIntegrationSchema,
  idScopeWarning,
  type DpsIntegrationFormInput,
} from "@/lib/integrations/azure-dps/schema";
import type { DpsIntegrationDto } from "@/lib/integrations/azure-dps/integration-dto";
import type { ConnectionTestDto } from "@/lib/integrations/azure-dps/connection-test-dto";
import { saveDpsIntegrationAction } from "@/lib/actions/save-dps-integration";
import { testDpsConnectionAction } from "@/lib/actions/test-dps-connection";
import type { ActionRefusal } from "@/lib/actions/result";
import { useActionForm } from "@/components/forms/use-action-form";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { CodeInput } from "@/components/ui/input";
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
import { ConnectionTestResult } from "./connection-test-result";
import { SecretInput } from "../secret-input";
import { AdvancedDpsSettings } from "./advanced-settings";

function defaultsFor(integration: DpsIntegrationDto): DpsIntegrationFormInput {
  return {
    mode: integration.primaryKeyConfigured ? "edit" : "connect",
    version: integration.version,
    idScope: integration.idScope ?? "",
    primaryKey: "",
    host: integration.host || DEFAULT_DPS_HOST,
    secondaryKey: "",
    removeSecondaryKey: false,
    registrationsPerMinute: integration.registrationsPerMinute,
    cleanOldHubOnMove: integration.cleanOldHubOnMove,
    serviceConnectionString: "",
    removeServiceConnectionString: false,
    // Not a secret: an id entered earlier is shown; one found from the key is not (blank = find it again).
    enrollmentGroupId:
      integration.enrollmentGroup?.source === "entered" ? (integration.enrollmentGroup.id ?? "") : "",
  };
}

/**
 * Connect (or edit) Azure DPS. Keys are write-only: the form starts with empty key fields, and on
 * edit an empty field keeps the stored key. The parent remounts it (key = version) after a save or a
 * reload, so it always starts from what is stored.
 */
export function DpsConnectDialog({
  integration,
  open,
  onOpenChange,
}: {
  integration: DpsIntegrationDto;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const router = useRouter();
  const ids = useId();
  const editing = integration.primaryKeyConfigured;
  const { form, submitTo, showRefusal } = useActionForm(dpsIntegrationSchema, defaultsFor(integration));
  const { errors, isSubmitting } = form.formState;
  const [advancedOpen, setAdvancedOpen] = useState(false);
  const [testResult, setTestResult] = useState<ConnectionTestDto | null>(null);
  const [serverError, setServerError] = useState<{ message: string; conflict: boolean } | null>(null);
  const [testing, setTesting] = useState(false);
  const [reloading, startReload] = useTransition();
  const idScope = useWatch({ control: form.control, name: "idScope" });
  const scopeWarning = idScopeWarning(idScope);

  // Besides the fields and the toast, a refusal stays in the dialog; a version conflict offers Reload.
  const showServerError = (result: ActionRefusal<unknown>) => {
    showRefusal(result);
    setServerError({ message: result.message, conflict: Boolean(result.fieldErrors?.version) });
  };

  const onSave = submitTo(
    (values) => {
      setServerError(null);
      return saveDpsIntegrationAction(values);
    },
    (result) => {
      toast.success(result.message ?? "Saved.");
      onOpenChange(false);
    },
    showServerError,
  );

  // A refusal by DPS is shown as the test's result; only a test that could not run is an error.
  const test = submitTo(
    (values) => {
      setServerError(null);
      setTestResult(null);
      return testDpsConnectionAction(values);
    },
    (result) => setTestResult(result.data ?? null),
    (result) => (result.data ? setTestResult(result.data) : showServerError(result)),
  );
  const onTest = async () => {
    setTesting(true);
    try {
      await test();
    } finally {
      setTesting(false);
    }
  };

  const busy = isSubmitting || testing || reloading;

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>
        <Button variant={editing ? "secondary" : "default"}>{editing ? "Edit" : "Connect"}</Button>
      </DialogTrigger>
      <DialogContent className="max-w-xl">
        <DialogHeader>
          <DialogTitle>{editing ? "Edit Azure DPS connection" : "Connect Azure DPS"}</DialogTitle>
          <DialogDescription>
            Devices are registered with this Device Provisioning Service using a key of its symmetric-key
            enrollment group. The key is stored encrypted and is never shown again.
          </DialogDescription>
        </DialogHeader>
        <form
          onSubmit={onSave}
          noValidate
          className="grid gap-4"
          aria-label={editing ? "Edit Azure DPS connection" : "Connect Azure DPS"}
        >
          <FormField
            id={`${ids}-id-scope`}
            label={DPS_FIELD_LABELS.idScope}
            error={errors.idScope?.message}
            hint={
              <span aria-live="polite" className={scopeWarning ? "flex gap-1.5 text-amber-800" : undefined}>
                {scopeWarning ? (
                  <>
                    <TriangleAlert aria-hidden className="mt-px size-3.5 shrink-0" />
                    {scopeWarning}
                  </>
                ) : (
                  "On the DPS instance's Overview page in the Azure portal, e.g. 0ne00A1B2C3."
                )}
              </span>
            }
          >
            {(aria) => <CodeInput {...aria} {...form.register("idScope")} />}
          </FormField>

          <FormField
            id={`${ids}-primary-key`}
            label={DPS_FIELD_LABELS.primaryKey}
            error={errors.primaryKey?.message}
            hint={
              editing
                ? "A key is stored. Leave empty to keep the stored key, or paste a new Primary Key to replace it."
                : "Paste the Primary Key of a symmetric-key enrollment group (Azure portal → DPS → Manage enrollments): base64 of 16 to 64 bytes."
            }
          >
            {(aria) => (
              <SecretInput
                revealLabel="enrollment group key"
                placeholder={editing ? "Leave empty to keep the stored key" : undefined}
                {...aria}
                {...form.register("primaryKey")}
              />
            )}
          </FormField>

          <FormField
            id={`${ids}-host`}
            label={DPS_FIELD_LABELS.host}
            error={errors.host?.message}
            hint={`Host or host:port; a pasted https://host/ is accepted. For Azure: ${DEFAULT_DPS_HOST}.`}
          >
            {(aria) => <CodeInput {...aria} {...form.register("host")} />}
          </FormField>

          <AdvancedDpsSettings
            form={form}
            ids={ids}
            integration={integration}
            open={advancedOpen}
            onOpenChange={setAdvancedOpen}
          />

          {testResult ? <ConnectionTestResult {...testResult} /> : null}
          {serverError ? (
            <Alert tone="danger" className="flex flex-wrap items-center justify-between gap-2">
              <span>{serverError.message}</span>
              {serverError.conflict ? (
                <Button
                  type="button"
                  variant="secondary"
                  size="sm"
                  disabled={reloading}
                  onClick={() => startReload(() => router.refresh())}
                >
                  {reloading ? "Reloading…" : "Reload"}
                </Button>
              ) : null}
            </Alert>
          ) : null}

          <DialogFooter className="pt-2">
            <Button type="button" variant="secondary" disabled={busy} onClick={onTest}>
              {testing ? "Testing…" : "Test connection"}
            </Button>
            <Button type="submit" disabled={busy}>
              {isSubmitting ? "Saving…" : "Save"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
