import { deriveDeviceKey, lookupStatusWithGroupKeys, type DpsClient, type KeyUsed } from "@/lib/dps";
import { redact } from "@/lib/dps/errors";
import { CONNECTION_PROBE_REGISTRATION_ID } from "@/lib/dps/connection-probe";
import { dpsFailureCode } from "@/lib/dps/failure-code";
import { explainDpsError, type DpsErrorExplanation } from "./explain-dps-error";
import type { DpsCallOutcome } from "./integration-store";

export type ConnectionTestCredentials = {
  idScope: string;
  host: string;
  primaryKey: string;
  secondaryKey: string | null;
};

export type ConnectionTestResult = {
  accepted: boolean;
  keyUsed: KeyUsed;
  httpStatus: number | null;
  dpsErrorCode: number | null;
  /** `dpsFailureCode()` of the failure, or "accepted". */
  code: string;
  explanation: DpsErrorExplanation;
  /** What the tile's health columns get. */
  outcome: DpsCallOutcome;
};

/**
 * "Test connection": a DPS status lookup for the probe registration, signed with a device key derived
 * from the group key (the secondary is tried when DPS refuses the primary). Status lookups are not
 * billed and create nothing. 200 or 404 mean DPS accepted the ID Scope and the key.
 */
export async function probeDpsConnection(
  client: DpsClient,
  credentials: ConnectionTestCredentials,
): Promise<ConnectionTestResult> {
  const { idScope, host, primaryKey, secondaryKey } = credentials;
  const result = await lookupStatusWithGroupKeys(client, {
    connection: { idScope, host },
    registrationId: CONNECTION_PROBE_REGISTRATION_ID,
    groupKeys: { primary: primaryKey, secondary: secondaryKey ?? undefined },
  });
  const secrets = [
    primaryKey,
    secondaryKey,
    ...[primaryKey, secondaryKey].map((key) =>
      key ? deriveDeviceKey(key, CONNECTION_PROBE_REGISTRATION_ID) : null,
    ),
  ].filter((value): value is string => Boolean(value));
  const message = result.message ? redact(result.message, secrets) : null;
  const evidence = {
    keyUsed: result.keyUsed,
    httpStatus: result.httpStatus,
    dpsErrorCode: result.dpsErrorCode,
  };

  if (result.kind === "not-registered" || (result.kind === "registered" && result.status !== "disabled")) {
    const answer =
      result.kind === "not-registered"
        ? "HTTP 404, not registered"
        : `HTTP ${result.httpStatus ?? 200}, registered with status ${result.status}`;
    const viaSecondary = result.keyUsed === "secondary";
    const summary = `Connection test: DPS accepted the ${viaSecondary ? "secondary" : "primary"} key (status lookup: ${answer}).`;
    return {
      accepted: true,
      ...evidence,
      code: "accepted",
      explanation: {
        title: "DPS accepted the ID Scope and the key",
        detail: `DPS answered the status lookup for the probe registration "${CONNECTION_PROBE_REGISTRATION_ID}" (${answer}), so the credentials are valid. A status lookup is not billed and creates nothing in DPS.`,
        nextStep: viaSecondary
          ? "DPS refused the primary key and accepted the secondary key: finish the key rotation by saving the accepted key as the Enrollment group key."
          : "Nothing to do: devices can be provisioned with these settings.",
      },
      outcome: { ok: true, summary },
    };
  }

  const facts =
    result.kind === "registered"
      ? { kind: "disabled", httpStatus: result.httpStatus, dpsErrorCode: result.dpsErrorCode }
      : {
          kind: result.kind,
          cause: "cause" in result ? result.cause : null,
          httpStatus: result.httpStatus,
          dpsErrorCode: result.dpsErrorCode,
        };
  const code = dpsFailureCode(facts);
  return {
    accepted: false,
    ...evidence,
    code,
    explanation: explainDpsError({ ...facts, message }),
    outcome: { ok: false, kind: code, message: message ?? "" },
  };
}
