"use client";

import { useEffect, useRef, useState, useTransition } from "react";
import { toast } from "sonner";
import type { DpsIntegrationDto } from "@/lib/integrations/azure-dps/integration-dto";
import type { ConnectionTestDto } from "@/lib/integrations/azure-dps/connection-test-dto";
import { testDpsConnectionAction } from "@/lib/actions/test-dps-connection";
import { Button } from "@/components/ui/button";
import { ConnectionTestResult } from "./connection-test-result";
import { DpsConnectDialog } from "./connect-dialog";
import { DpsDisconnectDialog } from "./disconnect-dialog";

/** Connect/Edit, Test connection and Disconnect, for users with integration.manage only. */
export function DpsTileActions({ integration }: { integration: DpsIntegrationDto }) {
  const [dialogOpen, setDialogOpen] = useState(false);
  const [testing, startTest] = useTransition();
  const [testResult, setTestResult] = useState<ConnectionTestDto | null>(null);
  const connected = integration.primaryKeyConfigured;
  const buttons = useRef<HTMLDivElement>(null);
  const dialogClosedAt = useRef(0);

  // A save remounts the dialog (key = version) and its trigger with it, so the focus Radix handed
  // back to the old trigger is lost: give it to the new one (Connect has become Edit).
  useEffect(() => {
    if (Date.now() - dialogClosedAt.current > 10_000) return;
    // After Radix's own focus return (which it runs once the dialog has unmounted).
    const timer = setTimeout(() => {
      if (document.activeElement === document.body || document.activeElement === null) {
        buttons.current?.querySelector<HTMLButtonElement>("button[aria-haspopup=dialog]")?.focus();
      }
    }, 50);
    return () => clearTimeout(timer);
  }, [integration.version]);

  const onDialogOpenChange = (open: boolean) => {
    if (!open) dialogClosedAt.current = Date.now();
    setDialogOpen(open);
  };

  const testStored = () =>
    startTest(async () => {
      setTestResult(null);
      const result = await testDpsConnectionAction({ mode: "stored" });
      // A refusal by DPS comes with its explanation; without one, the test could not run at all.
      if (result.data) setTestResult(result.data);
      else toast.error(result.message ?? "The connection test could not run.");
    });

  return (
    <div className="grid w-full gap-3">
      <div ref={buttons} className="flex flex-wrap items-center gap-2">
        {/* Remounted per version: after a save or a reload the form starts from what is stored. */}
        <DpsConnectDialog
          key={integration.version}
          integration={integration}
          open={dialogOpen}
          onOpenChange={onDialogOpenChange}
        />
        {connected ? (
          <>
            <Button variant="secondary" onClick={testStored} disabled={testing}>
              {testing ? "Testing…" : "Test connection"}
            </Button>
            <div className="ml-auto">
              <DpsDisconnectDialog version={integration.version} />
            </div>
          </>
        ) : null}
      </div>
      {testResult ? <ConnectionTestResult {...testResult} /> : null}
    </div>
  );
}
