"use client";

import { useWatch, type UseFormReturn } from "react-hook-form";
import { ChevronRight } from "lucide-react";
import {
  DPS_FIELD_LABELS,
  type DpsIntegrationFormInput,
  type DpsIntegrationInput,
} from "@/lib/integrations/azure-dps/schema";
import type { DpsIntegrationDto } from "@/lib/integrations/azure-dps/integration-dto";
import { CodeInput, Input } from "@/components/ui/input";
import { FormField } from "@/components/ui/form-field";
import { SecretInput } from "../secret-input";

/** The Advanced section's fields: it opens by itself when one of them has an error. */
export const ADVANCED_FIELDS = [
  "secondaryKey",
  "registrationsPerMinute",
  "removeSecondaryKey",
  "serviceConnectionString",
  "removeServiceConnectionString",
  "enrollmentGroupId",
  "cleanOldHubOnMove",
] as const;

/**
 * The Connect dialog's Advanced section: the secondary key, the quota, the service connection
 * string and the enrollment group ID. Folded by default; stored secrets stay write-only here too
 * (an empty field keeps the stored one, a checkbox removes it).
 */
export function AdvancedDpsSettings({
  form,
  ids,
  integration,
  open,
  onOpenChange,
}: {
  form: UseFormReturn<DpsIntegrationFormInput, unknown, DpsIntegrationInput>;
  /** The dialog's id prefix, so the fields' ids stay unique on the page. */
  ids: string;
  integration: DpsIntegrationDto;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const { errors } = form.formState;
  const editing = integration.primaryKeyConfigured;
  const removeSecondary = useWatch({ control: form.control, name: "removeSecondaryKey" });
  const removeService = useWatch({ control: form.control, name: "removeServiceConnectionString" });
  const storedService = editing ? integration.service : null;
  const foundGroupId =
    integration.enrollmentGroup?.source === "found-by-key" ? integration.enrollmentGroup.id : null;
  const showAdvanced = open || ADVANCED_FIELDS.some((field) => errors[field]);

  return (
    <div className="rounded-md border border-slate-200">
      <button
        type="button"
        aria-expanded={showAdvanced}
        aria-controls={`${ids}-advanced`}
        onClick={() => onOpenChange(!showAdvanced)}
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
          {(aria) => <CodeInput {...aria} {...form.register("enrollmentGroupId")} />}
        </FormField>
        <div className="grid gap-1">
          <label className="flex items-start gap-2 text-sm text-slate-800">
            <input
              type="checkbox"
              className="mt-0.5 size-4 shrink-0 rounded border-slate-300 accent-blue-700"
              aria-describedby={`${ids}-clean-old-hub-hint`}
              {...form.register("cleanOldHubOnMove")}
            />
            {DPS_FIELD_LABELS.cleanOldHubOnMove}
          </label>
          <p id={`${ids}-clean-old-hub-hint`} className="text-xs text-slate-600">
            After a re-provision lands a device on another hub, its identity in the old hub is deleted, so it
            cannot connect there any more. Needs hub credentials with registryWrite for the old hub
            (Integration tab); without them the identity is left and the device&apos;s history says why.
          </p>
        </div>
      </div>
    </div>
  );
}
