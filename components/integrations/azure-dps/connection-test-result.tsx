import { CircleAlert, CircleCheck } from "lucide-react";
import { Alert } from "@/components/ui/alert";
import type { DpsErrorExplanation } from "@/lib/integrations/azure-dps/explain-dps-error";
import type { ServiceTestDto } from "@/lib/integrations/azure-dps/connection-test-dto";
import { ServiceRights } from "./service-rights";
import { EnrollmentGroupFacts } from "./enrollment-group-facts";

function Explanation({ explanation }: { explanation: DpsErrorExplanation }) {
  return (
    <>
      <p className="font-semibold">{explanation.title}</p>
      <p>{explanation.detail}</p>
      <p>
        <span className="font-medium">Next step: </span>
        {explanation.nextStep}
      </p>
    </>
  );
}

/** The service connection string's part: accepted or not, the policy's rights, and the group it found. */
function ServiceTestResult({ service }: { service: ServiceTestDto }) {
  const Icon = service.accepted ? CircleCheck : CircleAlert;
  return (
    <Alert
      tone={service.accepted ? "success" : "danger"}
      aria-label="Test result of the service connection string"
      className="flex gap-3"
    >
      <Icon aria-hidden className="mt-0.5 size-4 shrink-0" />
      <div className="grid min-w-0 gap-1">
        <Explanation explanation={service.explanation} />
        {service.accepted ? (
          <>
            <div className="mt-1">
              <ServiceRights rights={service.rights} />
            </div>
            {service.groupProblem ? (
              <p className="mt-1">
                <span className="font-medium">{service.groupProblem.title}. </span>
                {service.groupProblem.nextStep}
              </p>
            ) : null}
            {service.enrollmentGroupId ? (
              <dl className="mt-2 grid gap-x-6 gap-y-2 sm:grid-cols-2">
                <div className="grid gap-0.5">
                  <dt className="text-xs font-medium uppercase tracking-wide">Enrollment group</dt>
                  <dd className="break-all font-mono">{service.enrollmentGroupId}</dd>
                </div>
                {service.enrollmentGroup ? <EnrollmentGroupFacts group={service.enrollmentGroup} /> : null}
              </dl>
            ) : null}
          </>
        ) : null}
      </div>
    </Alert>
  );
}

/** What a connection test found, in words: what happened and what to do next (and, when tested, the service API's part). */
export function ConnectionTestResult({
  accepted,
  explanation,
  service,
}: {
  accepted: boolean;
  explanation: DpsErrorExplanation;
  service?: ServiceTestDto | null;
}) {
  const Icon = accepted ? CircleCheck : CircleAlert;
  return (
    <div className="grid gap-3">
      <Alert
        tone={accepted ? "success" : "danger"}
        aria-label="Connection test result"
        className="flex gap-3"
      >
        <Icon aria-hidden className="mt-0.5 size-4 shrink-0" />
        <div className="grid gap-1">
          <Explanation explanation={explanation} />
        </div>
      </Alert>
      {service ? <ServiceTestResult service={service} /> : null}
    </div>
  );
}
