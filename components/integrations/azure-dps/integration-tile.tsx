import { Cloud, TriangleAlert } from "lucide-react";
import type { DpsIntegrationDto } from "@/lib/integrations/azure-dps/integration-dto";
import { azureDps } from "@/lib/integrations/azure-dps/provider";
import { formatDateTime } from "@/lib/format";
import { Alert } from "@/components/ui/alert";
import { Card, CardContent, CardFooter, CardHeader } from "@/components/ui/card";
import { DpsStateBadge } from "./state-badge";
import { DpsTileActions } from "./tile-actions";
import { Fact } from "./fact";
import { ServiceRights } from "./service-rights";
import { EnrollmentGroupFacts } from "./enrollment-group-facts";
import { DpsUnreachableNotice } from "./dps-health-notice";
import type { HubCredentialsDto } from "@/lib/hubs/hub-credentials-dto";
import { HubCredentialsSection } from "./hub-credentials-section";

const KEY_REFUSED_NEXT_STEP =
  "In the Azure portal, open the DPS instance → Manage enrollments → the enrollment group and copy its current Primary Key; here, choose Edit, paste it as the Enrollment group key and Save. Provisioning resumes by itself, nobody needs to retry devices. If the key in Azure was changed back instead, Test connection resumes it as well.";

const TITLE_ID = "azure-dps-tile-title";
const GROUP_TITLE_ID = "azure-dps-group-title";

/** The enrollment group at a glance, when a service connection string lets the app ask DPS about it. */
function EnrollmentGroupSection({ group }: { group: NonNullable<DpsIntegrationDto["enrollmentGroup"]> }) {
  return (
    <section aria-labelledby={GROUP_TITLE_ID} className="grid gap-3 border-t border-slate-200 pt-4">
      <h3 id={GROUP_TITLE_ID} className="text-sm font-semibold text-slate-900">
        Enrollment group
      </h3>
      {group.problem ? (
        <Alert tone="warning" className="grid gap-1">
          <p className="font-semibold">{group.problem.title}</p>
          <p>
            <span className="font-medium">Next step: </span>
            {group.problem.nextStep}
          </p>
        </Alert>
      ) : null}
      <dl className="grid gap-x-8 gap-y-4 sm:grid-cols-2">
        <Fact label="Group ID">
          {group.id ? <span className="break-all font-mono">{group.id}</span> : "Not known yet"}
          {group.id ? (
            <span className="block text-xs text-slate-600">
              {group.source === "entered" ? "entered under Advanced" : "found from the enrollment group key"}
            </span>
          ) : null}
        </Fact>
        {group.summary ? <EnrollmentGroupFacts group={group.summary} /> : null}
        <Fact label="Read from DPS">
          {group.checkedAt ? formatDateTime(group.checkedAt) : "Not yet"}
          <span className="block text-xs text-slate-600">Again every 5 minutes and on Test connection</span>
        </Fact>
      </dl>
    </section>
  );
}

function keysText(integration: DpsIntegrationDto): string {
  if (!integration.primaryKeyConfigured) return "Not stored";
  return integration.secondaryKeyConfigured
    ? "Primary and secondary stored (encrypted)"
    : "Primary stored (encrypted)";
}

/** The Azure DPS tile: state, settings, who changed them, and the latest DPS calls. Keys appear only as "stored". */
export function DpsIntegrationTile({
  integration,
  hubs,
  canManage,
}: {
  integration: DpsIntegrationDto;
  /** The IoT hubs the group may use, with their optional connection strings. */
  hubs: HubCredentialsDto;
  canManage: boolean;
}) {
  const connected = integration.primaryKeyConfigured;
  const { lastSuccess, lastFailure } = integration;
  const failureNeedsAttention = integration.attention?.cause === "failure" && lastFailure !== null;
  const attentionNextStep = failureNeedsAttention
    ? lastFailure.explanation.nextStep
    : (integration.attention?.nextStep ?? null);
  return (
    <Card aria-labelledby={TITLE_ID} className="max-w-3xl">
      <CardHeader className="flex-row flex-wrap items-start gap-x-4 gap-y-2">
        <div
          aria-hidden
          className="flex size-10 shrink-0 items-center justify-center rounded-md bg-blue-50 text-blue-700"
        >
          <Cloud className="size-5" />
        </div>
        <div className="grid min-w-0 flex-1 gap-0.5">
          <h2 id={TITLE_ID} className="text-base font-semibold text-slate-900">
            {azureDps.name}
          </h2>
          <p className="text-sm text-slate-600">{azureDps.description}</p>
        </div>
        <DpsStateBadge state={integration.state} />
      </CardHeader>
      <CardContent className="grid gap-5">
        {!connected ? (
          <p className="text-sm text-slate-700">
            Connect with the ID Scope and the Primary Key of a symmetric-key enrollment group. Every device is
            then registered with DPS and lands on the IoT hub its allocation policy chooses.
          </p>
        ) : null}
        {integration.dps.state === "unreachable" ? <DpsUnreachableNotice health={integration.dps} /> : null}
        {integration.attention?.cause === "key-refused" && integration.dps.state === "key-refused" ? (
          <Alert tone="warning" className="flex gap-3">
            <TriangleAlert aria-hidden className="mt-0.5 size-4 shrink-0" />
            <div className="grid gap-1">
              <p className="font-semibold">
                DPS refuses the enrollment group key (since {formatDateTime(integration.dps.since)})
              </p>
              <p>{integration.attention.message}</p>
              <p>
                <span className="font-medium">Next step: </span>
                {KEY_REFUSED_NEXT_STEP}
              </p>
            </div>
          </Alert>
        ) : integration.attention ? (
          <Alert tone="warning" className="flex gap-3">
            <TriangleAlert aria-hidden className="mt-0.5 size-4 shrink-0" />
            <div className="grid gap-1">
              <p className="font-semibold">
                {failureNeedsAttention ? lastFailure.explanation.title : integration.attention.message}
              </p>
              {failureNeedsAttention ? <p>{integration.attention.message}</p> : null}
              {attentionNextStep ? (
                <p>
                  <span className="font-medium">Next step: </span>
                  {attentionNextStep}
                </p>
              ) : null}
            </div>
          </Alert>
        ) : null}
        <dl className="grid gap-x-8 gap-y-4 sm:grid-cols-2">
          <Fact label="ID Scope">
            <span className="font-mono">{integration.idScope ?? "—"}</span>
          </Fact>
          <Fact label="Hostname">
            <span className="break-all font-mono">{integration.host}</span>
          </Fact>
          <Fact label="Enrollment group key">{keysText(integration)}</Fact>
          <Fact label="Registrations per minute">
            {integration.registrationsPerMinute.toLocaleString("en-US")}
          </Fact>
          {connected ? (
            <Fact label="Old hub after a move">
              {integration.cleanOldHubOnMove
                ? "The identity is deleted from the old hub"
                : "The identity stays in the old hub"}
            </Fact>
          ) : null}
          {connected ? (
            <Fact label="Service connection (optional)" className="sm:col-span-2">
              {integration.service ? (
                <>
                  Policy <span className="font-mono">{integration.service.policyName}</span> on{" "}
                  <span className="break-all font-mono">{integration.service.host}</span> (key stored
                  encrypted)
                  <div className="mt-1">
                    <ServiceRights rights={integration.service.rights} />
                  </div>
                </>
              ) : (
                "None: add a service connection string under Edit → Advanced to see the enrollment group here and reconcile registration records."
              )}
            </Fact>
          ) : null}
          <Fact label="Last changed">
            {integration.updatedAt ? (
              <>
                {formatDateTime(integration.updatedAt)}
                <span className="block text-xs text-slate-600">
                  by {integration.updatedBy ?? "an unknown user"}
                </span>
              </>
            ) : (
              "Never"
            )}
          </Fact>
          <Fact label="Last successful DPS call">
            {lastSuccess ? (
              <>
                {formatDateTime(lastSuccess.at)}
                <span className="block text-xs text-slate-600">{lastSuccess.summary}</span>
              </>
            ) : (
              "None yet"
            )}
          </Fact>
          <Fact label="Last failed DPS call" className="sm:col-span-2">
            {lastFailure ? (
              <>
                {formatDateTime(lastFailure.at)}
                {integration.consecutiveFailures > 1 ? (
                  <span className="text-slate-600">
                    {" "}
                    · {integration.consecutiveFailures} failures in a row
                  </span>
                ) : null}
                <span className="mt-1 block font-medium">{lastFailure.explanation.title}</span>
                <span className="block text-xs text-slate-600">{lastFailure.explanation.detail}</span>
                {failureNeedsAttention ? null : (
                  <span className="block text-xs text-slate-600">
                    Next step: {lastFailure.explanation.nextStep}
                  </span>
                )}
              </>
            ) : (
              "None"
            )}
          </Fact>
        </dl>
        {connected && integration.enrollmentGroup ? (
          <EnrollmentGroupSection group={integration.enrollmentGroup} />
        ) : null}
        {connected ? <HubCredentialsSection hubs={hubs} /> : null}
      </CardContent>
      {canManage ? (
        <CardFooter>
          <DpsTileActions integration={integration} />
        </CardFooter>
      ) : null}
    </Card>
  );
}
