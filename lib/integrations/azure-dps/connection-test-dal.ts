import "server-only";
import { requirePermission } from "@/lib/auth/current-user";
import { recordAudit } from "@/lib/audit/record";
import { UserFacingError } from "@/lib/errors";
import { resumeAfterKeyAccepted } from "@/lib/provisioning";
import { SecretDecryptionError, type Kek } from "@/lib/secrets/envelope";
import { currentKek } from "@/lib/secrets/secret-key";
import type { IntegrationRow } from "@/db/schema/integration";
import type { ServiceConnection } from "@/lib/dps/service/connection-string";
import type { TestDpsConnectionInput } from "./schema";
import { connectionTestDpsClient, connectionTestServiceClient } from "./connection-test-client";
import type { ConnectionTestDto, ServiceTestDto } from "./connection-test-dto";
import { explainServiceError, GROUP_PROBLEMS } from "./explain-service-error";
import { DPS_INTEGRATION_ID } from "./integration-dto";
import { readDpsIntegrationRow, recordDpsCallOutcomeRow, recordServiceCheckRow } from "./integration-store";
import {
  assertHostAllowed,
  assertServiceHostAllowed,
  assertStoredKeysStayWithTheirHost,
  decryptKey,
} from "./key-rules";
import { checkServiceConnection, serviceCheckColumns, type ServiceCheck } from "./service-check";
import { probeDpsConnection, type ConnectionTestCredentials } from "./test-connection";

/**
 * Testing the Azure DPS connection, from the Connect dialog (the values typed, stored keys standing
 * in for empty fields) or the tile (what is stored). Checks `integration.manage`; keys stay on the
 * server; the result reaches the tile only when what was tested is what is stored.
 */

const TARGET = DPS_INTEGRATION_ID;

type TestPlan = {
  credentials: ConnectionTestCredentials;
  testsStoredConfiguration: boolean;
  service: { connection: ServiceConnection; enteredGroupId: string | null; isStored: boolean } | null;
};

/** Which service connection string a test uses: typed, stored (an empty field on edit), or none. */
function planServiceTest(
  input: TestDpsConnectionInput,
  row: IntegrationRow | undefined,
  kek: Kek,
): TestPlan["service"] {
  const stored = () => {
    if (!row?.serviceKeyCiphertext || !row.serviceHost || !row.servicePolicyName) return null;
    return {
      host: row.serviceHost,
      policyName: row.servicePolicyName,
      key: decryptKey(row.serviceKeyCiphertext, "service", kek),
    };
  };
  const storedGroupId = row?.enrollmentGroupSource === "entered" ? row.enrollmentGroupId : null;
  if (input.mode === "stored") {
    const connection = stored();
    return connection ? { connection, enteredGroupId: storedGroupId, isStored: true } : null;
  }
  const enteredGroupId = input.enrollmentGroupId ?? null;
  if (input.serviceConnectionString)
    return { connection: input.serviceConnectionString, enteredGroupId, isStored: false };
  if (input.mode !== "edit" || input.removeServiceConnectionString) return null;
  const connection = stored();
  return connection ? { connection, enteredGroupId, isStored: enteredGroupId === storedGroupId } : null;
}

function serviceTestDto(check: ServiceCheck): ServiceTestDto {
  const explanation = check.accepted
    ? {
        title: "DPS accepted the service connection string",
        detail: "The shared access policy's rights were checked with calls that change nothing in DPS.",
        nextStep: check.rights.registrationStatusRead
          ? "Nothing to do: registration records can be reconciled."
          : "Give the policy Registration status read to reconcile registration records.",
      }
    : explainServiceError({
        kind: check.failure?.kind ?? "unknown",
        cause: check.failure && "cause" in check.failure ? check.failure.cause : null,
        httpStatus: check.failure?.httpStatus,
        dpsErrorCode: check.failure?.dpsErrorCode,
        message: check.failure?.message,
      });
  return {
    accepted: check.accepted,
    explanation,
    rights: check.rights,
    enrollmentGroupId: check.enrollmentGroupId,
    enrollmentGroup: check.enrollmentGroup,
    groupProblem: check.groupProblem ? GROUP_PROBLEMS[check.groupProblem] : null,
  };
}

function planConnectionTest(
  input: TestDpsConnectionInput,
  row: IntegrationRow | undefined,
  kek: Kek,
): TestPlan {
  const connected = Boolean(row?.primaryKeyCiphertext && row.idScope && row.host);
  const stored = () => {
    if (!row?.primaryKeyCiphertext || !row.idScope || !row.host)
      throw new UserFacingError("Azure DPS is not connected: there is nothing stored to test.");
    return {
      idScope: row.idScope,
      host: row.host,
      primaryKey: decryptKey(row.primaryKeyCiphertext, "primary", kek),
      secondaryKey: row.secondaryKeyCiphertext
        ? decryptKey(row.secondaryKeyCiphertext, "secondary", kek)
        : null,
    };
  };
  const service = planServiceTest(input, row, kek);
  if (input.mode === "stored") return { credentials: stored(), testsStoredConfiguration: true, service };
  if (connected && input.mode === "edit") assertStoredKeysStayWithTheirHost(input, row!);

  const usesStoredKey = !input.primaryKey;
  if (usesStoredKey && (input.mode === "connect" || !connected)) {
    throw new UserFacingError("Enter the enrollment group key to test.", {
      primaryKey: ["Enter the enrollment group key: no key is stored yet."],
    });
  }
  let saved: ConnectionTestCredentials | null = null;
  try {
    saved = connected ? stored() : null;
  } catch (error) {
    // A stored key this server cannot read does not stop a test of a freshly typed key.
    if (!(error instanceof SecretDecryptionError) || usesStoredKey) throw error;
  }
  const primaryKey = input.primaryKey ?? saved!.primaryKey;
  const removesSecondary = input.mode === "edit" && input.removeSecondaryKey;
  const secondaryKey = removesSecondary
    ? null
    : (input.secondaryKey ?? (input.mode === "edit" ? (saved?.secondaryKey ?? null) : null));
  const credentials = { idScope: input.idScope, host: input.host, primaryKey, secondaryKey };
  const testsStoredConfiguration =
    saved !== null &&
    saved.idScope === credentials.idScope &&
    saved.host === credentials.host &&
    saved.primaryKey === credentials.primaryKey &&
    saved.secondaryKey === credentials.secondaryKey;
  return { credentials, testsStoredConfiguration, service };
}

/**
 * Tests the stored configuration (`mode: "stored"`) or the values typed in the dialog; an empty key
 * field on edit means the stored key, which is decrypted here and never leaves the server. The
 * result reaches the tile only when what was tested is what is stored.
 */
export async function testDpsConnection(input: TestDpsConnectionInput): Promise<ConnectionTestDto> {
  const actor = await requirePermission("integration.manage");
  if (input.mode !== "stored") {
    assertHostAllowed(input.host);
    assertServiceHostAllowed(input);
  }
  const kek = currentKek();
  const row = await readDpsIntegrationRow();
  let plan: TestPlan;
  try {
    plan = planConnectionTest(input, row, kek);
  } catch (error) {
    if (error instanceof SecretDecryptionError) {
      throw new UserFacingError(`The stored key cannot be used: ${error.message}`, {
        primaryKey: ["Enter the enrollment group key again to test it."],
      });
    }
    throw error;
  }

  const { service } = plan;
  const [result, check] = await Promise.all([
    probeDpsConnection(connectionTestDpsClient(), plan.credentials),
    service
      ? checkServiceConnection(
          connectionTestServiceClient(),
          {
            connection: service.connection,
            groupKeys: [plan.credentials.primaryKey, plan.credentials.secondaryKey],
            enteredGroupId: service.enteredGroupId,
          },
          AbortSignal.timeout(20_000),
        )
      : null,
  ]);
  if (plan.testsStoredConfiguration) await recordDpsCallOutcomeRow(result.outcome);
  const serviceRecorded = Boolean(check && service?.isStored && plan.testsStoredConfiguration && row);
  if (check && serviceRecorded)
    await recordServiceCheckRow(row!.version, serviceCheckColumns(check, new Date()));
  // DPS accepts the stored key again (fixed in Azure, or a rotation undone): waiting devices resume by themselves.
  const resumed = plan.testsStoredConfiguration && result.accepted ? await resumeAfterKeyAccepted() : false;
  await recordAudit({
    actor,
    action: "integration.test",
    target: TARGET,
    outcome: result.accepted && (check?.accepted ?? true) ? "success" : "failure",
    detail: {
      tested: plan.testsStoredConfiguration ? "saved configuration" : "values typed in the dialog",
      idScope: plan.credentials.idScope,
      host: plan.credentials.host,
      result: result.code,
      reason: result.explanation.title,
      keyUsed: result.keyUsed,
      httpStatus: result.httpStatus,
      dpsErrorCode: result.dpsErrorCode,
      ...(check && service
        ? {
            service: {
              host: service.connection.host,
              policy: service.connection.policyName,
              accepted: check.accepted,
              rights: check.rights,
              enrollmentGroupId: check.enrollmentGroupId,
              groupProblem: check.groupProblem,
              httpStatus: check.failure?.httpStatus ?? null,
            },
          }
        : {}),
      ...(resumed ? { provisioning: "resumed: DPS accepts the stored key again" } : {}),
    },
  });
  return {
    accepted: result.accepted,
    explanation: result.explanation,
    keyUsed: result.keyUsed,
    service: check ? serviceTestDto(check) : null,
    recordedOnTile: plan.testsStoredConfiguration,
  };
}
