import { webhookUrlForViewer } from "@/lib/dps/service/webhook-url";
import type { IntegrationRow } from "@/db/schema/integration";
import { DEFAULT_DPS_HOST, DEFAULT_REGISTRATIONS_PER_MINUTE } from "@/lib/integrations/azure-dps/schema";
import type { DpsHealth } from "@/lib/provisioning/types";
import { azureDps } from "./provider";
import { parseDpsFailureCode } from "@/lib/dps/failure-code";
import { explainDpsError, type DpsErrorExplanation } from "./explain-dps-error";
import { GROUP_PROBLEMS, isGroupProblem } from "./explain-service-error";
import type { EnrollmentGroupSummary, ProbedRights } from "@/lib/dps/service/probe";

export const DPS_INTEGRATION_ID = azureDps.id;

/** Failures that no retry will fix: one is enough to ask an administrator to look. */
const CONFIGURATION_FAILURE_KINDS = new Set([
  "unauthorized",
  "not-found",
  "bad-request",
  "unreachable",
  "disabled",
]);
export const NEEDS_ATTENTION_AFTER_FAILURES = 3;

/** `unreachable`: connected, but DPS does not answer now (the engine waits and probes it); `needs-attention` asks an administrator to act. */
export type DpsIntegrationState = "not-connected" | "connected" | "unreachable" | "needs-attention";

/** What the tile and the dialog may know about the integration: whether keys exist, never the keys. */
export type DpsIntegrationDto = {
  state: DpsIntegrationState;
  /** Why the state is "needs-attention": a failed DPS call, a stored key this server cannot read, DPS refusing the stored key, or a disabled enrollment group. */
  attention: {
    cause: "failure" | "stored-key" | "key-refused" | "group-disabled";
    message: string;
    nextStep?: string;
  } | null;
  /** DPS's health as the provisioning engine sees it (`available` while not connected). */
  dps: DpsHealth;
  idScope: string | null;
  host: string;
  registrationsPerMinute: number;
  /** After a move, delete the device's identity in its old hub (the administrator's opt-in). */
  cleanOldHubOnMove: boolean;
  primaryKeyConfigured: boolean;
  secondaryKeyConfigured: boolean;
  /** Row version the dialog sends back, so a save over someone else's change is refused. */
  version: number;
  updatedAt: string | null;
  updatedBy: string | null;
  lastSuccess: { at: string; summary: string } | null;
  lastFailure: { at: string; code: string; explanation: DpsErrorExplanation } | null;
  consecutiveFailures: number;
  /** The optional service API credential: where and which policy (never its key), and what it may do. */
  service: { host: string; policyName: string; rights: ProbedRights | null; checkedAt: string | null } | null;
  /** The enrollment group the devices belong to, at a glance as DPS last described it. */
  enrollmentGroup: {
    id: string | null;
    source: "entered" | "found-by-key" | null;
    summary: EnrollmentGroupSummary | null;
    checkedAt: string | null;
    problem: { title: string; nextStep: string } | null;
  } | null;
};

/** DPS refuses every device of a disabled group: the one setting worth an alert on its own. */
export function disabledGroupAttention(groupId: string): { message: string; nextStep: string } {
  return {
    message: `The enrollment group ${groupId} is disabled in DPS: DPS refuses every device that registers with it.`,
    nextStep: `In the Azure portal, open the DPS instance → Manage enrollments → ${groupId}, set Enable entry to Enable and save; then retry the devices that failed.`,
  };
}

type HealthFacts = Pick<
  IntegrationRow,
  "updatedAt" | "lastSuccessAt" | "lastFailureAt" | "lastFailureKind" | "consecutiveFailures"
>;

/**
 * Needs attention when the newest event is a failure that happened after the configuration was last
 * saved, and it is either a configuration failure or the third in a row.
 */
export function attentionReason(row: HealthFacts): string | null {
  const failedAt = row.lastFailureAt?.getTime();
  if (failedAt === undefined) return null;
  if (
    failedAt <= (row.lastSuccessAt?.getTime() ?? -Infinity) ||
    failedAt <= (row.updatedAt?.getTime() ?? -Infinity)
  )
    return null;
  const { kind } = parseDpsFailureCode(row.lastFailureKind ?? "");
  if (CONFIGURATION_FAILURE_KINDS.has(kind))
    return "Retrying will not fix this: the settings or the DPS instance need a change.";
  if (row.consecutiveFailures >= NEEDS_ATTENTION_AFTER_FAILURES)
    return `The last ${row.consecutiveFailures} DPS calls failed.`;
  return null;
}

/**
 * `storedKeyProblem` is set by the caller when the stored key cannot be read with this server's
 * HIC_SECRET_KEY; it makes the integration need attention whatever the call history says.
 */
export const KEY_REFUSED_MESSAGE =
  "DPS refused the stored enrollment group key (and the secondary key, if one is stored). Provisioning waits: devices stay Pending, and no attempts are used up.";

export function toDpsIntegrationDto(
  row: IntegrationRow | undefined,
  storedKeyProblem: string | null = null,
  health: DpsHealth = { state: "available" },
  /** Whether the viewer manages the integration: only they see more of a webhook URL than its host. */
  canManage = false,
): DpsIntegrationDto {
  const connected = Boolean(row?.primaryKeyCiphertext);
  const dps: DpsHealth = connected ? health : { state: "available" };
  const failure = connected && row ? attentionReason(row) : null;
  const group =
    row?.serviceKeyCiphertext && row.enrollmentGroup?.provisioningStatus === "disabled"
      ? row.enrollmentGroup
      : null;
  const attention = !connected
    ? null
    : storedKeyProblem
      ? ({ cause: "stored-key", message: storedKeyProblem } as const)
      : dps.state === "key-refused"
        ? ({ cause: "key-refused", message: KEY_REFUSED_MESSAGE } as const)
        : group
          ? ({ cause: "group-disabled", ...disabledGroupAttention(group.enrollmentGroupId) } as const)
          : failure && dps.state !== "unreachable"
            ? ({ cause: "failure", message: failure } as const)
            : null;
  const hasService = Boolean(row?.serviceKeyCiphertext && row.serviceHost && row.servicePolicyName);
  return {
    state: !connected
      ? "not-connected"
      : attention
        ? "needs-attention"
        : dps.state === "unreachable"
          ? "unreachable"
          : "connected",
    attention,
    dps,
    idScope: row?.idScope ?? null,
    host: row?.host ?? DEFAULT_DPS_HOST,
    registrationsPerMinute: row?.registrationsPerMinute ?? DEFAULT_REGISTRATIONS_PER_MINUTE,
    cleanOldHubOnMove: row?.cleanOldHubOnMove ?? false,
    primaryKeyConfigured: connected,
    secondaryKeyConfigured: Boolean(row?.secondaryKeyCiphertext),
    version: row?.version ?? 0,
    updatedAt: row?.updatedAt?.toISOString() ?? null,
    updatedBy: row?.updatedByEmail ?? null,
    lastSuccess: row?.lastSuccessAt
      ? { at: row.lastSuccessAt.toISOString(), summary: row.lastSuccessSummary ?? "" }
      : null,
    lastFailure:
      row?.lastFailureAt && row.lastFailureKind
        ? {
            at: row.lastFailureAt.toISOString(),
            code: row.lastFailureKind,
            explanation: explainDpsError({
              ...parseDpsFailureCode(row.lastFailureKind),
              message: row.lastFailureMessage,
            }),
          }
        : null,
    consecutiveFailures: row?.consecutiveFailures ?? 0,
    service: hasService
      ? {
          host: row!.serviceHost!,
          policyName: row!.servicePolicyName!,
          rights: row!.serviceRights ?? null,
          checkedAt: row!.serviceCheckedAt?.toISOString() ?? null,
        }
      : null,
    enrollmentGroup:
      hasService || row?.enrollmentGroupId
        ? {
            id: row?.enrollmentGroupId ?? null,
            source: row?.enrollmentGroupSource ?? null,
            summary:
              hasService && row?.enrollmentGroup
                ? {
                    ...row.enrollmentGroup,
                    customAllocationWebhookUrl: webhookUrlForViewer(
                      row.enrollmentGroup.customAllocationWebhookUrl,
                      canManage,
                    ),
                  }
                : null,
            checkedAt: hasService ? (row?.enrollmentGroupCheckedAt?.toISOString() ?? null) : null,
            problem:
              hasService && isGroupProblem(row?.enrollmentGroupProblem)
                ? GROUP_PROBLEMS[row.enrollmentGroupProblem]
                : null,
          }
        : null,
  };
}
