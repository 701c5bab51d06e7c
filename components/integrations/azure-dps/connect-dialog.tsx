"use client";

import { useId, useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { useWatch } from "react-hook-form";
import { toast } from "sonner";
import { ChevronRight, TriangleAlert } from "lucide-react";
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
import { ConnectionTestResult } from "./connection-test-result";
import { SecretInput } from "../secret-input";

const ADVANCED_FIELDS = [
  "secondaryKey",
  "registrationsPerMinute",
  "removeSecondaryKey",
  "serviceConnectionString",
  "removeServiceConnectionString",
  "enrollmentGroupId",
] as const;

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
  const removeSecondary = useWatch({ control: form.control, name: "removeSecondaryKey" });
  const removeService = useWatch({ control: form.control, name: "removeServiceConnectionString" });
  const storedService = editing ? integration.service : null;
  const foundGroupId =
    integration.enrollmentGroup?.source === "found-by-key" ? integration.enrollmentGroup.id : null;
  const scopeWarning = idScopeWarning(idScope);
  const advancedHasErrors = ADVANCED_FIELDS.some((field) => errors[field]);
  const showAdvanced = advancedOpen || advancedHasErrors;

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
            {(aria) => (
              <Input
                autoComplete="off"
                spellCheck={false}
                className="font-mono"
                {...aria}
                {...form.register("idScope")}
              />
            )}
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
            {(aria) => (
              <Input
                autoComplete="off"
                spellCheck={false}
                className="font-mono"
                {...aria}
                {...form.register("host")}
              />
            )}
          </FormField>

          <div className="rounded-md border border-slate-200">
            <button
              type="button"
              aria-expanded={showAdvanced}
              aria-controls={`${ids}-advanced`}
              onClick={() => setAdvancedOpen(!showAdvanced)}
              className="flex w-full items-center gap-2 rounded-md px-3 py-2 text-left text-sm font-medium text-slate-800 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-blue-600"
            >
              <ChevronRight
                aria-hidden
                className={`size-4 transition-transform ${showAdvanced ? "rotate-90" : ""}`}
              />
              Advanced
              <span className="font-normal text-slate-500">
                — secondary key, registrations per minute, service connection string
              </span>
            </button>
            <div
              id={`${ids}-advanced`}
              hidden={!showAdvanced}
              className="grid gap-4 border-t border-slate-200 px-3 py-3"
            >
              <FormField
                id={`${ids}-secondary-key`}
                label={DPS_FIELD_LABELS.secondaryKey}
                error={errors.secondaryKey?.message}
                hint={
                  editing && integration.secondaryKeyConfigured
                    ? "A secondary key is stored. Leave empty to keep it. Used when DPS refuses the primary key, so keys can be rotated without downtime."
                    : "Optional. Used when DPS refuses the primary key, so keys can be rotated without downtime."
                }
              >
                {(aria) => (
                  <SecretInput
                    revealLabel="secondary key"
                    disabled={Boolean(removeSecondary)}
                    placeholder={
                      editing && integration.secondaryKeyConfigured
                        ? "Leave empty to keep the stored key"
                        : "Optional"
                    }
                    {...aria}
                    {...form.register("secondaryKey")}
                  />
                )}
              </FormField>
              {editing && integration.secondaryKeyConfigured ? (
                <label className="flex items-center gap-2 text-sm text-slate-800">
                  <input
                    type="checkbox"
                    className="size-4 rounded border-slate-300 accent-red-700"
                    {...form.register("removeSecondaryKey")}
                  />
                  Remove the stored secondary key
                </label>
              ) : null}
              <FormField
                id={`${ids}-registrations-per-minute`}
                label={DPS_FIELD_LABELS.registrationsPerMinute}
                error={errors.registrationsPerMinute?.message}
                hint="The DPS quota the provisioning engine stays under, shared by all workers. 1,000 is the documented limit per DPS unit."
              >
                {(aria) => (
                  <Input
                    type="number"
                    inputMode="numeric"
                    min={1}
                    max={1_000_000}
                    step={1}
                    className="w-40"
                    {...aria}
                    {...form.register("registrationsPerMinute")}
                  />
                )}
              </FormField>
              <FormField
                id={`${ids}-service-connection-string`}
                label={DPS_FIELD_LABELS.serviceConnectionString}
                error={errors.serviceConnectionString?.message}
                hint={
                  storedService
                    ? `A connection string of the policy "${storedService.policyName}" is stored (encrypted). Leave empty to keep it, or paste another to replace it.`
                    : "A shared access policy's Primary connection string (Azure portal → the DPS instance → Shared access policies). With it the tile shows the enrollment group, registration records can be reconciled, and removing a device can delete its DPS record. Rights it uses: Enrollment read, Registration status read, Registration status write (to delete)."
                }
              >
                {(aria) => (
                  <SecretInput
                    revealLabel="service connection string"
                    disabled={Boolean(removeService)}
                    placeholder={
                      storedService
                        ? "Leave empty to keep the stored one"
                        : "HostName=…;SharedAccessKeyName=…;SharedAccessKey=…"
                    }
                    {...aria}
                    {...form.register("serviceConnectionString")}
                  />
                )}
              </FormField>
              {storedService ? (
                <label className="flex items-center gap-2 text-sm text-slate-800">
                  <input
                    type="checkbox"
                    className="size-4 rounded border-slate-300 accent-red-700"
                    {...form.register("removeServiceConnectionString")}
                  />
                  Remove the stored service connection string
                </label>
              ) : null}
              <FormField
                id={`${ids}-enrollment-group-id`}
                label={DPS_FIELD_LABELS.enrollmentGroupId}
                error={errors.enrollmentGroupId?.message}
                hint={
                  foundGroupId
                    ? `Found from the enrollment group key: ${foundGroupId}. Enter an ID only to use another group.`
                    : "Leave empty to find the group from its key (needs Enrollment read). Enter it when it cannot be found, as Manage enrollments shows it."
                }
              >
                {(aria) => (
                  <Input
                    autoComplete="off"
                    spellCheck={false}
                    className="font-mono"
                    {...aria}
                    {...form.register("enrollmentGroupId")}
                  />
                )}
              </FormField>
            </div>
          </div>

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
