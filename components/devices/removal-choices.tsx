"use client";

import { useEffect, useState } from "react";
import { previewRemovalAction } from "@/lib/actions/preview-removal";
import {
  REMOVAL_CHOICE_HINTS,
  REMOVAL_CHOICE_LABELS,
  REMOVAL_CHOICES,
  type RemovalChoice,
  type RemovalPreviewDevice,
  type RemovalPreviewDto,
  type StepReadiness,
} from "@/lib/devices/removal-dto";

export type RemovalChoiceState = { choice: RemovalChoice; leaveUncleanable: boolean };

/**
 * Asks the server what a removal of these devices would leave where. The choices live inside the
 * dialog's content, which mounts when the dialog opens: each opening starts from "checking…".
 */
function useRemovalPreview(deviceIds: number[]) {
  const [preview, setPreview] = useState<RemovalPreviewDto | null>(null);
  const [error, setError] = useState<string | null>(null);
  const key = deviceIds.join(",");
  useEffect(() => {
    let current = true;
    void previewRemovalAction({ deviceIds: key.split(",").map(Number) }).then(
      (result) => {
        if (!current) return;
        if (result.ok && result.data) setPreview(result.data);
        else setError(result.message ?? "The preview could not be loaded.");
      },
      () => current && setError("The preview could not be loaded: try again."),
    );
    return () => {
      current = false;
    };
  }, [key]);
  return { preview, error };
}

/** How many devices the chosen removal could not clean (and so would leave, or keep marked). */
export function uncleanable(preview: RemovalPreviewDto | null, choice: RemovalChoice) {
  if (!preview || choice === "platform") return { records: 0, identities: 0 };
  const hubs = preview.counts.hubUnavailable.reduce((sum, r) => sum + r.count, 0);
  if (choice === "block") return { records: 0, identities: hubs + preview.counts.noHub };
  return {
    records: preview.counts.dpsRecordUnavailable.reduce((sum, r) => sum + r.count, 0),
    identities: hubs,
  };
}

/**
 * The remove dialogs' body: the three ways to remove, and before anything runs, what each leaves
 * where (per device for one, counts for a selection). When some DPS record or hub identity cannot be
 * cleaned, the user chooses: leave it and remove anyway, or keep those devices, marked.
 */
export function RemovalChoices({
  idPrefix,
  deviceIds,
  selection = false,
  state,
  onChange,
}: {
  idPrefix: string;
  deviceIds: number[];
  /** A selection on the devices page: counts, however many are selected; otherwise one device, step by step. */
  selection?: boolean;
  state: RemovalChoiceState;
  onChange: (state: RemovalChoiceState) => void;
}) {
  const plural = selection;
  const { preview, error: previewError } = useRemovalPreview(deviceIds);
  const left = uncleanable(preview, state.choice);
  const anyLeft = left.records + left.identities > 0;
  return (
    <div className="grid gap-4 text-sm">
      <fieldset className="grid gap-2">
        <legend className="mb-1 font-medium text-foreground">How to remove</legend>
        {REMOVAL_CHOICES.map((choice) => (
          <label key={choice} className="flex items-start gap-2 rounded-md border border-border p-2">
            <input
              type="radio"
              name={`${idPrefix}-choice`}
              value={choice}
              className="mt-0.5 size-4 shrink-0 accent-primary"
              checked={state.choice === choice}
              aria-describedby={`${idPrefix}-${choice}-hint`}
              onChange={() => onChange({ ...state, choice })}
            />
            <span>
              <span className="font-medium text-foreground">{REMOVAL_CHOICE_LABELS[choice]}</span>
              <span id={`${idPrefix}-${choice}-hint`} className="block text-xs text-muted-foreground">
                {REMOVAL_CHOICE_HINTS[choice]}
              </span>
            </span>
          </label>
        ))}
      </fieldset>
      <section aria-labelledby={`${idPrefix}-preview`} aria-live="polite" className="grid gap-2">
        <h3 id={`${idPrefix}-preview`} className="font-medium text-foreground">
          What stays where
        </h3>
        {previewError ? (
          <p className="text-danger-foreground">{previewError}</p>
        ) : !preview ? (
          <p className="text-muted-foreground">Checking the DPS records and hub credentials…</p>
        ) : plural ? (
          <SelectionPreview preview={preview} choice={state.choice} />
        ) : preview.devices[0] ? (
          <DevicePreview device={preview.devices[0]} choice={state.choice} />
        ) : (
          <p className="text-muted-foreground">The device no longer exists.</p>
        )}
      </section>
      {anyLeft ? (
        <label className="flex items-start gap-2 text-foreground">
          <input
            type="checkbox"
            className="mt-0.5 size-4 shrink-0 accent-primary"
            checked={state.leaveUncleanable}
            onChange={(event) => onChange({ ...state, leaveUncleanable: event.target.checked })}
          />
          <span>
            Remove anyway, leaving what cannot be cleaned
            {plural
              ? ` (${[
                  left.records ? `${left.records} DPS ${left.records === 1 ? "record" : "records"}` : null,
                  left.identities
                    ? `${left.identities} hub ${left.identities === 1 ? "identity" : "identities"}`
                    : null,
                ]
                  .filter(Boolean)
                  .join(", ")})`
              : ""}
            <span className="block text-xs text-muted-foreground">
              Otherwise {plural ? "those devices stay" : "the device stays"} in the platform, marked
              &quot;removal incomplete&quot;, to retry once the credentials allow it.
            </span>
          </span>
        </label>
      ) : null}
    </div>
  );
}

function readinessText(step: StepReadiness, ready: string): string {
  if (step.kind === "ready") return step.note ? `${ready} (${step.note})` : ready;
  return step.reason;
}

function DevicePreview({ device, choice }: { device: RemovalPreviewDevice; choice: RemovalChoice }) {
  const hub = device.hub ? `the IoT hub ${device.hub}` : null;
  const record =
    choice === "clean"
      ? device.dpsRecord.kind === "ready"
        ? "deleted"
        : `stays: ${readinessText(device.dpsRecord, "")}`
      : "stays (kept)";
  const identity = !hub
    ? "none: the device was never assigned to a hub"
    : choice === "platform"
      ? `stays in ${hub}, enabled: the device can still connect`
      : device.hubIdentity.kind === "ready"
        ? `${choice === "block" ? "disabled" : "deleted"} in ${hub}${device.hubIdentity.note ? ` (${device.hubIdentity.note})` : ""}`
        : `stays in ${hub}, unchanged: ${readinessText(device.hubIdentity, "")}`;
  return (
    <dl className="grid gap-1 sm:grid-cols-[max-content_1fr] sm:gap-x-4">
      <dt className="text-muted-foreground">Platform</dt>
      <dd>removed</dd>
      <dt className="text-muted-foreground">DPS registration record</dt>
      <dd>{record}</dd>
      <dt className="text-muted-foreground">Hub identity</dt>
      <dd>
        {identity}
        {device.hub ? (
          <span className="block font-mono text-xs text-muted-foreground">{device.hubDeviceId}</span>
        ) : null}
      </dd>
    </dl>
  );
}

function SelectionPreview({ preview, choice }: { preview: RemovalPreviewDto; choice: RemovalChoice }) {
  const { counts } = preview;
  const n = counts.devices;
  const reasons = (list: Array<{ reason: string; count: number }>) =>
    list.length ? (
      <ul className="ml-4 list-disc text-xs text-muted-foreground">
        {list.map((r) => (
          <li key={r.reason}>
            {r.count}: {r.reason}
          </li>
        ))}
      </ul>
    ) : null;
  return (
    <div className="grid gap-1">
      <p>
        {n} {n === 1 ? "device" : "devices"} removed from the platform
        {preview.missing ? ` (${preview.missing} already gone)` : ""}.
      </p>
      <p>
        DPS registration records the app may delete: <strong>{counts.dpsRecordDeletable}</strong> of {n}
        {choice === "clean" ? "" : " (all kept with this choice)"}.
      </p>
      {choice === "clean" ? reasons(counts.dpsRecordUnavailable) : null}
      <p>
        On hubs whose saved credentials may write: <strong>{counts.hubWritable}</strong> of {n}
        {counts.noHub ? `; ${counts.noHub} never assigned to a hub` : ""}
        {choice === "platform" ? " (every hub identity stays, enabled, with this choice)" : ""}.
      </p>
      {choice !== "platform" ? reasons(counts.hubUnavailable) : null}
    </div>
  );
}
