import type { Kek } from "@/lib/secrets/envelope";
import type { IntegrationRow } from "@/db/schema/integration";
import type { IntegrationChanges } from "./integration-store";
import { encryptKey } from "./key-rules";
import type { DpsIntegrationInput } from "./schema";

/** What a save did to a stored key, as the audit log records it. */
export type KeyChange = "added" | "replaced" | "kept" | "removed" | "none";

type ServiceChange = { changes: IntegrationChanges; audit: KeyChange };

export const NO_SERVICE: IntegrationChanges = {
  serviceKeyCiphertext: null,
  serviceRights: null,
  serviceCheckedAt: null,
  enrollmentGroup: null,
  enrollmentGroupCheckedAt: null,
  enrollmentGroupProblem: null,
};

/** The service connection string and the enrollment group id of a save: new, kept, removed; what a new one invalidates. */
export function serviceChanges(
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
