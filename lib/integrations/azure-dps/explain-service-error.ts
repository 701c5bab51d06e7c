import { explainDpsError, type DpsErrorExplanation, type DpsErrorFacts } from "./explain-dps-error";

/**
 * Plain-language explanations for the service API (the optional service connection string), whose
 * failures mean other things than the device API's: a refusal is about the shared access policy,
 * not the enrollment group key. Pure: safe in client and server components.
 */

const WHERE = "Azure portal → the DPS instance → Shared access policies";

export function explainServiceError(facts: DpsErrorFacts): DpsErrorExplanation {
  const status = facts.httpStatus
    ? ` (HTTP ${facts.httpStatus}${facts.dpsErrorCode ? `, error ${facts.dpsErrorCode}` : ""})`
    : "";
  const said = facts.message ? ` Details: ${facts.message.slice(0, 300)}` : "";
  if (facts.kind === "unauthorized" || facts.httpStatus === 403) {
    return {
      title: "DPS refused the service connection string",
      detail: `DPS answered that the shared access policy may not do this${status}: the policy's name or key is wrong, the key was regenerated, the policy lacks the right, or the HostName is another DPS instance's.${said}`,
      nextStep: `Copy the policy's Primary connection string again (${WHERE}) and check its rights: Enrollment read, Registration status read and, to delete records, Registration status write.`,
    };
  }
  if (facts.kind === "not-found") {
    return {
      title: "DPS did not find it",
      detail: `DPS answered 404 Not Found${status}: the enrollment group or the registration record does not exist (any more).${said}`,
      nextStep:
        "Check the enrollment group ID in the Azure portal (the DPS instance → Manage enrollments), or reconcile again to see the records as they are now.",
    };
  }
  if (facts.httpStatus === 412) {
    return {
      title: "The registration record changed in DPS",
      detail: `DPS refused because the record is no longer the one read before (its etag changed)${status}: the device registered again meanwhile.${said}`,
      nextStep: "Reconcile again to read the record as it is now, then decide again.",
    };
  }
  if (facts.kind === "unreachable" && facts.cause === "dns") {
    return {
      title: "Host not found",
      detail: "The HostName of the service connection string does not resolve.",
      nextStep:
        "Check the HostName: it is the DPS instance's own host, e.g. my-dps.azure-devices-provisioning.net (not global.azure-devices-provisioning.net).",
    };
  }
  return explainDpsError(facts);
}

/** Why the group at a glance could not be shown, as stored in `enrollment_group_problem`. */
export const GROUP_PROBLEMS = {
  "no-enrollment-read": {
    title: "The enrollment group cannot be read",
    nextStep:
      "Give the shared access policy Enrollment read, or enter the enrollment group ID under Advanced so reconciliation knows the group.",
  },
  "not-found-by-key": {
    title: "No enrollment group has the saved key",
    nextStep:
      "Enter the enrollment group ID under Advanced (Azure portal → the DPS instance → Manage enrollments), or check that the service connection string is the same DPS instance's.",
  },
  "group-not-found": {
    title: "DPS has no enrollment group with this ID",
    nextStep:
      "Check the enrollment group ID under Advanced against Azure portal → the DPS instance → Manage enrollments.",
  },
  "key-mismatch": {
    title: "The enrollment group's keys differ from the saved key",
    nextStep:
      "Devices register with a key of another group: enter the ID of the group whose key is saved, or save that group's key.",
  },
  "service-refused": {
    title: "DPS refused the service connection string",
    nextStep: `Copy the policy's Primary connection string again (${WHERE}) and test the connection.`,
  },
  unavailable: {
    title: "DPS could not be asked about the enrollment group",
    nextStep:
      "It is asked again every few minutes and on Test connection; if it keeps failing, check the HostName of the service connection string.",
  },
} as const satisfies Record<string, Omit<DpsErrorExplanation, "detail">>;

export type GroupProblem = keyof typeof GROUP_PROBLEMS;

export function isGroupProblem(value: unknown): value is GroupProblem {
  return typeof value === "string" && Object.hasOwn(GROUP_PROBLEMS, value);
}
