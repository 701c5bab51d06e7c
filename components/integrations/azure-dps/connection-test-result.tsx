import { CircleAlert, CircleCheck } from "lucide-react";
import { Alert } from "@/components/ui/alert";
import type { DpsErrorExplanation } from "@/lib/integrations/azure-dps/explain-dps-error";

/** What a connection test found, in words: what happened and what to do next. */
export function ConnectionTestResult({ accepted, explanation }: { accepted: boolean; explanation: DpsErrorExplanation }) {
  const Icon = accepted ? CircleCheck : CircleAlert;
  return (
    <Alert tone={accepted ? "success" : "danger"} aria-label="Connection test result" className="flex gap-3">
      <Icon aria-hidden className="mt-0.5 size-4 shrink-0" />
      <div className="grid gap-1">
        <p className="font-semibold">{explanation.title}</p>
        <p>{explanation.detail}</p>
        <p>
          <span className="font-medium">Next step: </span>
          {explanation.nextStep}
        </p>
      </div>
    </Alert>
  );
}
