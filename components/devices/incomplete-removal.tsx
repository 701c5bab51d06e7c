"use client";

import { useTransition } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { retryRemovalAction } from "@/lib/actions/retry-removal";
import { keepDeviceAction } from "@/lib/actions/keep-device";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import {
  incompleteRemovalHeadline,
  REMOVAL_CHOICE_LABELS,
  type IncompleteRemovalDto,
  type RemovalStepOutcome,
} from "@/lib/devices/removal-dto";
import { formatDateTime } from "@/lib/format";

const STEP_WORDS: Record<RemovalStepOutcome, string> = {
  done: "done",
  "already-gone": "already gone",
  left: "left as it was",
  failed: "not done",
  skipped: "not part of this removal",
};

/** A removal that could not finish: which step, why, and a retry (or keeping the device after all). */
export function IncompleteRemoval({
  deviceId,
  removal,
  canManage,
}: {
  deviceId: number;
  removal: IncompleteRemovalDto;
  canManage: boolean;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const run = (action: typeof retryRemovalAction, removedOnSuccess: boolean) =>
    startTransition(async () => {
      const result = await action({ deviceId });
      if (result.ok) {
        toast.success(result.message);
        if (removedOnSuccess) return router.push("/devices");
      } else toast.error(result.message);
      router.refresh();
    });
  return (
    <Alert tone="danger" className="mb-6" aria-label="Removal incomplete">
      <p className="font-semibold">{incompleteRemovalHeadline(removal)}</p>
      <p className="mt-1">
        Asked: {REMOVAL_CHOICE_LABELS[removal.choice].toLowerCase()}
        {removal.requestedByEmail ? `, by ${removal.requestedByEmail}` : ""}, last tried{" "}
        {formatDateTime(removal.updatedAt)}. DPS registration record: {STEP_WORDS[removal.dpsRecord]}; hub
        identity{removal.hub ? ` in ${removal.hub}` : ""}: {STEP_WORDS[removal.hubIdentity]}. The device stays
        in the platform until the removal finishes.
      </p>
      {canManage ? (
        <div className="mt-3 flex flex-wrap gap-2">
          <Button size="sm" onClick={() => run(retryRemovalAction, true)} disabled={pending}>
            {pending ? "Working…" : "Retry removal"}
          </Button>
          <Button
            size="sm"
            variant="secondary"
            onClick={() => run(keepDeviceAction, false)}
            disabled={pending}
          >
            Keep the device
          </Button>
        </div>
      ) : null}
    </Alert>
  );
}
