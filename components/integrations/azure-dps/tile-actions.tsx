"use client";

import { useState, useTransition } from "react";
import { toast } from "sonner";
import type { DpsIntegrationDto } from "@/lib/integrations/azure-dps/integration-dto";
import type { DpsErrorExplanation } from "@/lib/integrations/azure-dps/explain-dps-error";
import { testDpsConnectionAction } from "@/lib/actions/test-dps-connection";
import { Button } from "@/components/ui/button";
import { ConnectionTestResult } from "./connection-test-result";
import { DpsConnectDialog } from "./connect-dialog";
import { DpsDisconnectDialog } from "./disconnect-dialog";

/** Connect/Edit, Test connection and Disconnect, for users with integration.manage only. */
export function DpsTileActions({ integration }: { integration: DpsIntegrationDto }) {
  const [dialogOpen, setDialogOpen] = useState(false);
  const [testing, startTest] = useTransition();
  const [testResult, setTestResult] = useState<{ accepted: boolean; explanation: DpsErrorExplanation } | null>(null);
  const connected = integration.primaryKeyConfigured;

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
      <div className="flex flex-wrap items-center gap-2">
        {/* Remounted per version: after a save or a reload the form starts from what is stored. */}
        <DpsConnectDialog key={integration.version} integration={integration} open={dialogOpen} onOpenChange={setDialogOpen} />
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
