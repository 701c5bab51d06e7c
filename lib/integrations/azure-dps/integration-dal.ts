import "server-only";
import { requirePermission, type CurrentUser } from "@/lib/auth/current-user";
import { hasPermission } from "@/lib/auth/permissions";
import type { AuditAction } from "@/lib/audit/actions";
import { recordAudit } from "@/lib/audit/record";
import { loggableError, UserFacingError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { getDpsHealth, noteIntegrationChanged, requestProvisioningOfUnassigned } from "@/lib/provisioning";
import { currentKek } from "@/lib/secrets/secret-key";
import type { IntegrationRow } from "@/db/schema/integration";
import type { DpsIntegrationInput } from "@/lib/integrations/azure-dps/schema";
import { connectionTestServiceClient } from "./connection-test-client";
import type { ServiceConnection } from "@/lib/dps/service/connection-string";
import { checkServiceConnection, serviceCheckColumns, type ServiceCheckInput } from "./service-check";
import { DPS_INTEGRATION_ID, toDpsIntegrationDto, type DpsIntegrationDto } from "./integration-dto";
import {
  ensureDpsIntegrationRow,
  readDpsIntegrationRow,
  recordServiceCheckRow,
  updateDpsIntegrationIfVersion,
  type IntegrationChanges,
} from "./integration-store";
import {
  assertHostAllowed,
  assertServiceHostAllowed,
  assertStoredKeysStayWithTheirHost,
  conflictError,
  decryptKey,
  encryptKey,
  storedKeyProblem,
} from "./key-rules";
import { NO_SERVICE, serviceChanges, type KeyChange } from "./service-changes";

/**
 * The Azure DPS integration's data-access layer: every function checks the permission first and
 * returns DTOs. Keys come in (write-only) and are encrypted here; they never go out.
 */

const TARGET = DPS_INTEGRATION_ID;

export async function getDpsIntegration(): Promise<DpsIntegrationDto> {
  const viewer = await requirePermission("integration.view");
  const [row, health] = await Promise.all([readDpsIntegrationRow(), getDpsHealth()]);
  const canManage = hasPermission(viewer.role, "integration.manage");
  return toDpsIntegrationDto(row, storedKeyProblem(row, currentKek()), health, canManage);
}

/** Connecting and editing are two intents in the audit log, told apart by the dialog's mode. */
export function saveDpsIntegrationIntent(input: Pick<DpsIntegrationInput, "mode">): AuditAction {
  return input.mode === "connect" ? "integration.connect" : "integration.update";
}

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
  /** The secondary key this save leaves, in plaintext, for the service check after it. */
  let secondaryKey: () => string | null = () => null;
  const hasStoredSecondary = input.mode === "edit" && wasConnected && Boolean(current.secondaryKeyCiphertext);
  if (input.mode === "edit" && input.removeSecondaryKey) {
    secondary = hasStoredSecondary ? "removed" : "none";
    secondaryCiphertext = null;
  } else if (input.secondaryKey) {
    secondary = hasStoredSecondary ? "replaced" : "added";
    secondaryCiphertext = encryptKey(input.secondaryKey, "secondary", kek);
    secondaryKey = () => input.secondaryKey!;
  } else if (hasStoredSecondary) {
    secondary = "kept";
    secondaryCiphertext = current.secondaryKeyCiphertext;
    secondaryKey = () => decryptKey(current.secondaryKeyCiphertext!, "secondary", kek);
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
    cleanOldHubOnMove: input.cleanOldHubOnMove ?? current.cleanOldHubOnMove,
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
      cleanOldHubOnMove: saved.cleanOldHubOnMove,
      ...(saved.cleanOldHubOnMove !== current.cleanOldHubOnMove
        ? { cleanOldHubOnMoveChanged: saved.cleanOldHubOnMove ? "turned on" : "turned off" }
        : {}),
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
  if (saved.serviceKeyCiphertext)
    await refreshServiceCheck(saved, () => {
      // What this save leaves, from the plaintext in hand: a key typed now is used as typed (never
      // decrypted back from what was just encrypted); only a key kept from before is decrypted.
      const connection: ServiceConnection | null =
        input.serviceConnectionString ??
        (current.serviceKeyCiphertext && current.serviceHost && current.servicePolicyName
          ? {
              host: current.serviceHost,
              policyName: current.servicePolicyName,
              key: decryptKey(current.serviceKeyCiphertext, "service", kek),
            }
          : null);
      if (!connection) return null;
      const primaryKey = input.primaryKey ?? decryptKey(current.primaryKeyCiphertext!, "primary", kek);
      return {
        connection,
        groupKeys: [primaryKey, secondaryKey()],
        enteredGroupId: saved.enrollmentGroupSource === "entered" ? saved.enrollmentGroupId : null,
      };
    });
  return {
    integration: toDpsIntegrationDto((await readDpsIntegrationRow()) ?? saved, null, undefined, true),
    newlyConnected: !wasConnected,
    provisioningStarted,
  };
}

/**
 * Asks DPS's service API about the policy and group just saved, and records the answer on the tile
 * (unless the settings changed meanwhile). The interactive client: a person is usually waiting.
 */
async function refreshServiceCheck(
  row: IntegrationRow,
  credentials: () => ServiceCheckInput | null,
): Promise<void> {
  try {
    const saved = credentials();
    if (!saved) return;
    const check = await checkServiceConnection(
      connectionTestServiceClient(),
      saved,
      AbortSignal.timeout(20_000),
    );
    await recordServiceCheckRow(row.version, serviceCheckColumns(check, new Date()));
  } catch (error) {
    logger.error({ err: loggableError(error) }, "could not check the DPS service connection after saving");
  }
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
  return toDpsIntegrationDto(saved, null, undefined, true);
}
