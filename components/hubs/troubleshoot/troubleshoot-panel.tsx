"use client";

import { useState, useTransition } from "react";
import { toast } from "sonner";
import { troubleshootDeviceAction } from "@/lib/actions/troubleshoot-device";
import type { StepOutcome } from "@/lib/hubs/troubleshoot/diagnose";
import type { TroubleshootReportDto } from "@/lib/hubs/troubleshoot/troubleshoot-report-dto";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";

const OUTCOME: Record<StepOutcome, { label: string; tone: "success" | "danger" | "warning" | "neutral" }> = {
  ok: { label: "OK", tone: "success" },
  broken: { label: "Broken", tone: "danger" },
  unknown: { label: "Could not check", tone: "warning" },
  skipped: { label: "Not checked", tone: "neutral" },
};

/**
 * "Why can't this device connect?": runs the chain (DPS record, key fingerprint, hub identity, live
 * check as the device) with nothing changed, and shows one verdict, the steps, and a download of the
 * same as a redacted JSON bundle.
 */
export function TroubleshootPanel({ deviceId }: { deviceId: number }) {
  const [pending, startTransition] = useTransition();
  const [report, setReport] = useState<TroubleshootReportDto | null>(null);
  const run = () =>
    startTransition(async () => {
      const result = await troubleshootDeviceAction({ deviceId });
      if (result.ok && result.data) setReport(result.data);
      else toast.error(result.message ?? "The troubleshooter could not run.");
    });
  return (
    <Card className="mb-6">
      <CardHeader className="flex-row flex-wrap items-start justify-between gap-3">
        <div className="grid gap-1">
          <CardTitle>Why can&apos;t this device connect?</CardTitle>
          <p className="text-sm text-muted-foreground">
            Reads DPS&apos;s record and the hub&apos;s identity, and connects to the hub as the device.
            Nothing is changed, and the hub status above stays as it is.
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          <Button variant="secondary" onClick={run} disabled={pending}>
            {pending ? "Checking…" : report ? "Check again" : "Find out"}
          </Button>
          <form method="post" action={`/api/devices/${deviceId}/diagnostics`}>
            <Button type="submit" variant="secondary">
              Download diagnostic bundle
            </Button>
          </form>
        </div>
      </CardHeader>
      {report ? (
        <CardContent className="grid gap-4">
          <Alert tone={report.verdict.ok ? "success" : "danger"} aria-label="Verdict" className="grid gap-1">
            <p className="font-semibold">{report.verdict.headline}</p>
            {report.verdict.nextStep ? (
              <p>
                <strong>Next step:</strong> {report.verdict.nextStep}
              </p>
            ) : null}
          </Alert>
          <ol className="grid gap-2 text-sm" aria-label="Steps">
            {report.steps.map((step) => (
              <li
                key={step.id}
                className="grid gap-1 border-b border-border pb-2 sm:grid-cols-[minmax(0,16rem)_auto_1fr] sm:gap-3"
                data-step={step.id}
                data-outcome={step.outcome}
              >
                <span className="font-medium">{step.title}</span>
                <span>
                  <Badge tone={OUTCOME[step.outcome].tone}>{OUTCOME[step.outcome].label}</Badge>
                </span>
                <span className="break-words">{step.summary}</span>
              </li>
            ))}
          </ol>
        </CardContent>
      ) : null}
    </Card>
  );
}
