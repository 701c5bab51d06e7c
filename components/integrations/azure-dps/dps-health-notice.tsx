"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { TriangleAlert } from "lucide-react";
import { parseDpsFailureCode } from "@/lib/dps/failure-code";
import { explainDpsError } from "@/lib/integrations/azure-dps/explain-dps-error";
import type { DpsHealth } from "@/lib/provisioning/types";
import { formatDateTime } from "@/lib/format";
import { formatDuration } from "@/lib/format-duration";
import { Alert } from "@/components/ui/alert";

/** Seconds until `iso`, ticking once a second; null before the first tick in the browser. */
function useSecondsUntil(iso: string | null): number | null {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    const tick = () => setNow(Date.now());
    // The first tick right after hydration (the server's clock is not the browser's), then every second.
    const first = setTimeout(tick, 0);
    const timer = setInterval(tick, 1_000);
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  }, []);
  if (!iso || now === null) return null;
  return Math.max(0, Math.ceil((Date.parse(iso) - now) / 1_000));
}

function lastErrorTitle(code: string | null): string | null {
  return code ? explainDpsError(parseDpsFailureCode(code)).title : null;
}

/**
 * "DPS unreachable since …, next check in …" while the provisioning engine's circuit is open: what
 * it means for the devices, and that nothing needs doing. The countdown runs in the browser; when
 * the check is due the page is read again, so the notice goes away by itself once DPS answers.
 */
export function DpsUnreachableNotice({ health }: { health: Extract<DpsHealth, { state: "unreachable" }> }) {
  const router = useRouter();
  const seconds = useSecondsUntil(health.nextCheckAt);
  const due = seconds === 0;
  useEffect(() => {
    if (!due) return;
    const timer = setTimeout(() => router.refresh(), 1_500);
    return () => clearTimeout(timer);
  }, [due, router]);
  const lastError = lastErrorTitle(health.lastError);
  return (
    <Alert tone="warning" className="flex gap-3">
      <TriangleAlert aria-hidden className="mt-0.5 size-4 shrink-0" />
      <div className="grid gap-1">
        <p className="font-semibold">DPS unreachable since {formatDateTime(health.since)}</p>
        <p>
          {seconds === null
            ? health.nextCheckAt
              ? `Next check at ${formatDateTime(health.nextCheckAt)}.`
              : "Next check shortly."
            : due
              ? "Checking now…"
              : `Next check in ${formatDuration(seconds)}.`}{" "}
          Provisioning waits meanwhile: devices stay Pending and use up none of their retries. It resumes by
          itself as soon as DPS answers.
        </p>
        {lastError ? <p className="text-xs">Last error: {lastError}.</p> : null}
      </div>
    </Alert>
  );
}

/** The devices page's notice while DPS refuses the stored key: what waits, and who can end it. */
export function DpsKeyRefusedNotice({
  health,
  canManageIntegration,
}: {
  health: Extract<DpsHealth, { state: "key-refused" }>;
  canManageIntegration: boolean;
}) {
  return (
    <Alert tone="warning" className="flex gap-3">
      <TriangleAlert aria-hidden className="mt-0.5 size-4 shrink-0" />
      <div className="grid gap-1">
        <p className="font-semibold">
          DPS refuses the enrollment group key (since {formatDateTime(health.since)})
        </p>
        <p>
          Provisioning waits: devices stay Pending and use up none of their retries.{" "}
          {canManageIntegration
            ? "Enter the current key on the Azure DPS tile (Administration → Hyperscaler Integration Center → Edit); provisioning then resumes by itself."
            : "An administrator must enter the current key on the Azure DPS tile; provisioning then resumes by itself."}
        </p>
      </div>
    </Alert>
  );
}
