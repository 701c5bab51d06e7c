import "server-only";
import { requirePermission, type CurrentUser } from "@/lib/auth/current-user";
import type { AuditAction } from "@/lib/audit/actions";
import { recordAudit } from "@/lib/audit/record";
import { loggableError, UserFacingError } from "@/lib/errors";
import { formatDateTime } from "@/lib/format";
import { logger } from "@/lib/logger";
import {
  getDpsHealth,
  noteIntegrationChanged,
  requestProvisioningOfUnassigned,
  resumeAfterKeyAccepted,
} from "@/lib/provisioning";
import {
  decryptSecret,
  encryptSecret,
  envelopeKeyId,
  SecretDecryptionError,
  type Kek,
} from "@/lib/secrets/envelope";
import { currentKek } from "@/lib/secrets/secret-key";
import type { IntegrationRow } from "@/db/schema/integration";
import type { DpsIntegrationInput, TestDpsConnectionInput } from "@/lib/integrations/azure-dps/schema";
import { connectionTestDpsClient, connectionTestServiceClient } from "./connection-test-client";
import type { ServiceConnection } from "@/lib/dps/service/connection-string";
import { explainServiceError, GROUP_PROBLEMS } from "./explain-service-error";
import { checkServiceConnection, serviceCheckColumns, type ServiceCheck } from "./service-check";
import { DPS_INTEGRATION_ID, toDpsIntegrationDto, type DpsIntegrationDto } from "./integration-dto";
import { dpsKeyContext, type DpsKeySlot } from "./provider";
import {
  ensureDpsIntegrationRow,
  readDpsIntegrationRow,
  recordDpsCallOutcomeRow,
  recordServiceCheckRow,
  updateDpsIntegrationIfVersion,
  type IntegrationChanges,
} from "./integration-store";
import { probeDpsConnection, type ConnectionTestCredentials } from "./test-connection";
import type { ConnectionTestDto, ServiceTestDto } from "./connection-test-dto";
import { dpsHostRefusal } from "@/lib/security/dps-host-policy";

/**
 * The Azure DPS integration's data-access layer: every function checks the permission first and
 * returns DTOs. Keys come in (write-only) and are encrypted here; they never go out.
 */

const TARGET = DPS_INTEGRATION_ID;

/** The field a version conflict is reported on, so the dialog can offer "Reload". */
export const CONFLICT_FIELD = "version";

function encryptKey(key: string, slot: DpsKeySlot, kek: Kek): string {
  return encryptSecret(key, kek, dpsKeyContext(slot));
}

function decryptKey(ciphertext: string, slot: DpsKeySlot, kek: Kek): string {
  return decryptSecret(ciphertext, kek, dpsKeyContext(slot));
}

/** Says, without any secret, why the stored key cannot be used by this server; null when it can. */
function storedKeyProblem(row: IntegrationRow | undefined, kek: Kek): string | null {
  if (!row?.primaryKeyCiphertext) return null;
  for (const ciphertext of [row.primaryKeyCiphertext, row.secondaryKeyCiphertext, row.serviceKeyCiphertext]) {
    if (!ciphertext) continue;
    const keyId = envelopeKeyId(ciphertext);
    if (keyId !== kek.id) {
      return `The stored key was encrypted under another HIC_SECRET_KEY (key id ${keyId ?? "unknown"}; this server has ${kek.id}). Start the app with that key, or enter the enrollment group key again.`;
    }
  }
  return null;
}

/** The DPS hostname must be one this server may connect to (lib/security/dps-host-policy). */
function assertHostAllowed(host: string): void {
  const refusal = dpsHostRefusal(host);
  if (refusal) throw new UserFacingError(refusal, { host: [refusal] });
}

/** The same policy for the service connection string's HostName (a stored policy key only goes to the host it came with). */
function assertServiceHostAllowed(input: { serviceConnectionString?: { host: string } }): void {
  if (!input.serviceConnectionString) return;
  const refusal = dpsHostRefusal(input.serviceConnectionString.host);
  if (refusal) throw new UserFacingError(refusal, { serviceConnectionString: [`HostName: ${refusal}`] });
}

/**
 * A stored key is only ever sent to the host it was saved with: a new hostname needs the keys
 * typed again (or the secondary removed), so nobody can point the stored key at a host of their choosing.
 */
function assertStoredKeysStayWithTheirHost(
  input: { host: string; primaryKey?: string; secondaryKey?: string; removeSecondaryKey?: boolean },
  row: IntegrationRow,
): void {
  if (!row.host || row.host === input.host) return;
  const fieldErrors: Record<string, string[]> = {};
  if (!input.primaryKey)
    fieldErrors.primaryKey = [
      "Enter the enrollment group key again: the hostname changed, and a stored key only goes to the host it was saved with.",
    ];
  if (row.secondaryKeyCiphertext && !input.secondaryKey && !input.removeSecondaryKey) {
    fieldErrors.secondaryKey = ["Enter the secondary key again, or remove it: the hostname changed."];
  }
  if (Object.keys(fieldErrors).length > 0)
    throw new UserFacingError("The hostname changed: enter the key again.", fieldErrors);
}

function conflictError(row: IntegrationRow | undefined): UserFacingError {
  const who = row?.updatedByEmail ?? "another administrator";
  const when = row?.updatedAt ? ` at ${formatDateTime(row.updatedAt)}` : "";
  const message = `The Azure DPS integration was changed by ${who}${when} meanwhile — reload to see their values. Your changes were not saved.`;
  return new UserFacingError(message, { [CONFLICT_FIELD]: [message] });
}

export async function getDpsIntegration(): Promise<DpsIntegrationDto> {
  await requirePermission("integration.view");
  const [row, health] = await Promise.all([readDpsIntegrationRow(), getDpsHealth()]);
  return toDpsIntegrationDto(row, storedKeyProblem(row, currentKek()), health);
}

/** Connecting and editing are two intents in the audit log, told apart by the dialog's mode. */
export function saveDpsIntegrationIntent(input: Pick<DpsIntegrationInput, "mode">): AuditAction {
  return input.mode === "connect" ? "integration.connect" : "integration.update";
}

type KeyChange = "added" | "replaced" | "kept" | "removed" | "none";

export type SaveDpsIntegrationResult = {
  integration: DpsIntegrationDto;
  newlyConnected: boolean;
  provisioningStarted: boolean;
};

/**
 * Connect or edit. An empty key on edit keeps the stored one; the save only lands if the row is
 * still at the version the form was loaded with. A successful save asks the provisioning engine to
 * pick up every device not yet on a hub (once).
 */
export async function saveDpsIntegration(input: DpsIntegrationInput): Promise<SaveDpsIntegrationResult> {
  const actor = await requirePermission("integration.manage");
  assertHostAllowed(input.host);
  assertServiceHostAllowed(input);
  const kek = currentKek();
  await ensureDpsIntegrationRow();
  const current = await readDpsIntegrationRow();
  if (!current || current.version !== input.version) throw conflictError(current);

  const wasConnected = Boolean(current.primaryKeyCiphertext);
  if (wasConnected && input.mode === "edit") assertStoredKeysStayWithTheirHost(input, current);
  if (!input.primaryKey && (input.mode === "connect" || !wasConnected)) {
    throw new UserFacingError("No enrollment group key is stored yet: enter one.", {
      primaryKey: ["Enter the enrollment group key: no key is stored yet."],
    });
  }
  if (!input.primaryKey && storedKeyProblem(current, kek)) {
    throw new UserFacingError(
      "The stored key cannot be read with this server's HIC_SECRET_KEY: enter the enrollment group key again.",
      {
        primaryKey: [
          "Enter the enrollment group key again: the stored one cannot be read with this server's secret key.",
        ],
      },
    );
  }

  const primary: KeyChange = input.primaryKey ? (wasConnected ? "replaced" : "added") : "kept";
  let secondary: KeyChange;
  let secondaryCiphertext: string | null;
  const hasStoredSecondary = input.mode === "edit" && wasConnected && Boolean(current.secondaryKeyCiphertext);
  if (input.mode === "edit" && input.removeSecondaryKey) {
    secondary = hasStoredSecondary ? "removed" : "none";
    secondaryCiphertext = null;
  } else if (input.secondaryKey) {
    secondary = hasStoredSecondary ? "replaced" : "added";
    secondaryCiphertext = encryptKey(input.secondaryKey, "secondary", kek);
  } else if (hasStoredSecondary) {
    secondary = "kept";
    secondaryCiphertext = current.secondaryKeyCiphertext;
  } else {
    secondary = current.secondaryKeyCiphertext ? "removed" : "none";
    secondaryCiphertext = null;
  }

  const service = serviceChanges(input, current, wasConnected, kek);
  const changes: IntegrationChanges = {
    ...service.changes,
    idScope: input.idScope,
    host: input.host,
    registrationsPerMinute: input.registrationsPerMinute,
    primaryKeyCiphertext: input.primaryKey
      ? encryptKey(input.primaryKey, "primary", kek)
      : current.primaryKeyCiphertext,
    secondaryKeyCiphertext: secondaryCiphertext,
    updatedAt: new Date(),
    updatedById: actor.id,
    updatedByEmail: actor.email,
    // New settings start with a clean slate; older failures stay visible as history.
    consecutiveFailures: 0,
  };
  const saved = await updateDpsIntegrationIfVersion(input.version, changes);
  if (!saved) throw conflictError(await readDpsIntegrationRow());
  noteIntegrationChanged();

  await recordAudit({
    actor,
    action: saveDpsIntegrationIntent(input),
    target: TARGET,
    outcome: "success",
    detail: {
      idScope: input.idScope,
      host: input.host,
      registrationsPerMinute: input.registrationsPerMinute,
      primaryKey: primary,
      secondaryKey: secondary,
      serviceConnectionString: service.audit,
      ...(saved.serviceHost && saved.serviceKeyCiphertext
        ? { serviceHost: saved.serviceHost, servicePolicy: saved.servicePolicyName }
        : {}),
      enrollmentGroupId:
        saved.enrollmentGroupSource === "entered" ? saved.enrollmentGroupId : "found from the key",
      version: saved.version,
    },
  });

  const provisioningStarted = await startProvisioning(actor);
  // The group at a glance shows right after saving; DPS not answering does not undo the save.
  if (saved.serviceKeyCiphertext) await refreshServiceCheck(saved, kek);
  return {
    integration: toDpsIntegrationDto((await readDpsIntegrationRow()) ?? saved),
    newlyConnected: !wasConnected,
    provisioningStarted,
  };
}

type ServiceChange = { changes: IntegrationChanges; audit: KeyChange };

const NO_SERVICE: IntegrationChanges = {
  serviceKeyCiphertext: null,
  serviceRights: null,
  serviceCheckedAt: null,
  enrollmentGroup: null,
  enrollmentGroupCheckedAt: null,
  enrollmentGroupProblem: null,
};

/** The service connection string and the enrollment group id of a save: new, kept, removed; what a new one invalidates. */
function serviceChanges(
  input: DpsIntegrationInput,
  current: IntegrationRow,
  wasConnected: boolean,
  kek: Kek,
): ServiceChange {
  const stored = wasConnected && Boolean(current.serviceKeyCiphertext);
  let changes: IntegrationChanges = {};
  let audit: KeyChange = stored ? "kept" : "none";
  if (input.mode === "edit" && input.removeServiceConnectionString) {
    changes = { ...NO_SERVICE };
    audit = stored ? "removed" : "none";
  } else if (input.serviceConnectionString) {
    const { host, policyName, key } = input.serviceConnectionString;
    changes = {
      ...NO_SERVICE,
      serviceHost: host,
      servicePolicyName: policyName,
      serviceKeyCiphertext: encryptKey(key, "service", kek),
    };
    audit = stored ? "replaced" : "added";
  } else if (!stored) {
    changes = { ...NO_SERVICE };
  }
  const groupId = input.enrollmentGroupId ?? null;
  if (groupId) {
    if (groupId !== current.enrollmentGroupId || current.enrollmentGroupSource !== "entered") {
      changes = {
        ...changes,
        enrollmentGroupId: groupId,
        enrollmentGroupSource: "entered",
        enrollmentGroup: null,
        enrollmentGroupProblem: null,
      };
    }
  } else if (current.enrollmentGroupSource === "entered") {
    // Blank now: the group is to be found from its key again.
    changes = {
      ...changes,
      enrollmentGroupId: null,
      enrollmentGroupSource: null,
      enrollmentGroup: null,
      enrollmentGroupProblem: null,
    };
  }
  return { changes, audit };
}

/**
 * Asks DPS's service API about the stored policy and group, and records the answer on the tile
 * (unless the settings changed meanwhile). The interactive client: a person is usually waiting.
 */
async function refreshServiceCheck(row: IntegrationRow, kek: Kek): Promise<void> {
  try {
    const credentials = storedServiceCredentials(row, kek);
    if (!credentials) return;
    const check = await checkServiceConnection(
      connectionTestServiceClient(),
      credentials,
      AbortSignal.timeout(20_000),
    );
    await recordServiceCheckRow(row.version, serviceCheckColumns(check, new Date()));
  } catch (error) {
    logger.error({ err: loggableError(error) }, "could not check the DPS service connection after saving");
  }
}

type StoredServiceCredentials = {
  connection: ServiceConnection;
  groupKeys: (string | null)[];
  enteredGroupId: string | null;
};

function storedServiceCredentials(row: IntegrationRow, kek: Kek): StoredServiceCredentials | null {
  if (!row.serviceKeyCiphertext || !row.serviceHost || !row.servicePolicyName || !row.primaryKeyCiphertext)
    return null;
  return {
    connection: {
      host: row.serviceHost,
      policyName: row.servicePolicyName,
      key: decryptKey(row.serviceKeyCiphertext, "service", kek),
    },
    groupKeys: [
      decryptKey(row.primaryKeyCiphertext, "primary", kek),
      row.secondaryKeyCiphertext ? decryptKey(row.secondaryKeyCiphertext, "secondary", kek) : null,
    ],
    enteredGroupId: row.enrollmentGroupSource === "entered" ? row.enrollmentGroupId : null,
  };
}

async function startProvisioning(actor: CurrentUser): Promise<boolean> {
  try {
    await requestProvisioningOfUnassigned({ id: actor.id, email: actor.email });
    return true;
  } catch (error) {
    // The configuration is saved either way; the engine also picks devices up on its own schedule.
    logger.error(
      { err: loggableError(error) },
      "could not request provisioning after saving the DPS integration",
    );
    return false;
  }
}

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

/**
 * Deletes the stored keys (provisioning stops); ID Scope, hostname and quota stay for reconnecting.
 * Devices, their hubs and everything in Azure are left as they are.
 */
export async function disconnectDpsIntegration(input: { version: number }): Promise<DpsIntegrationDto> {
  const actor = await requirePermission("integration.manage");
  const current = await readDpsIntegrationRow();
  if (!current?.primaryKeyCiphertext) throw new UserFacingError("Azure DPS is not connected.");
  if (current.version !== input.version) throw conflictError(current);
  const saved = await updateDpsIntegrationIfVersion(input.version, {
    ...NO_SERVICE,
    primaryKeyCiphertext: null,
    secondaryKeyCiphertext: null,
    updatedAt: new Date(),
    updatedById: actor.id,
    updatedByEmail: actor.email,
    consecutiveFailures: 0,
  });
  if (!saved) throw conflictError(await readDpsIntegrationRow());
  noteIntegrationChanged();
  await recordAudit({
    actor,
    action: "integration.disconnect",
    target: TARGET,
    outcome: "success",
    detail: {
      idScope: saved.idScope,
      host: saved.host,
      keysDeleted: [
        "primary",
        ...(current.secondaryKeyCiphertext ? ["secondary"] : []),
        ...(current.serviceKeyCiphertext ? ["service"] : []),
      ],
    },
  });
  return toDpsIntegrationDto(saved);
}
