import type { DpsServiceClient } from "@/lib/dps/service/client";
import type { ServiceConnection } from "@/lib/dps/service/connection-string";
import {
  findGroupByKey,
  probeServiceRights,
  summarizeGroup,
  type EnrollmentGroupSummary,
  type ProbedRights,
} from "@/lib/dps/service/probe";
import type { DpsFailure } from "@/lib/dps";
import type { GroupProblem } from "./explain-service-error";

/**
 * What the app knows after asking DPS's service API with the stored (or typed) policy: what the
 * policy may do, which enrollment group the devices belong to, and that group at a glance. Never the
 * group's keys: they are compared here and dropped.
 */
export type ServiceCheck = {
  accepted: boolean;
  /** When not accepted: why (a refusal for every call, or DPS not answering). */
  failure: DpsFailure | null;
  rights: ProbedRights;
  enrollmentGroupId: string | null;
  enrollmentGroupSource: "entered" | "found-by-key" | null;
  enrollmentGroup: EnrollmentGroupSummary | null;
  groupProblem: GroupProblem | null;
};

export type ServiceCheckInput = {
  connection: ServiceConnection;
  /** The app's enrollment group key(s): the group is the one holding one of them. */
  groupKeys: readonly (string | null)[];
  /** An id an administrator entered; otherwise the group is found by its key. */
  enteredGroupId: string | null;
};

export async function checkServiceConnection(
  client: DpsServiceClient,
  input: ServiceCheckInput,
  signal?: AbortSignal,
): Promise<ServiceCheck> {
  const probe = await probeServiceRights(client, input.connection, signal);
  const base = {
    rights: probe.rights,
    enrollmentGroupId: input.enteredGroupId,
    enrollmentGroupSource: input.enteredGroupId ? ("entered" as const) : null,
  };
  if (!probe.accepted) {
    const refused = probe.failure.kind === "unauthorized" || probe.failure.httpStatus === 403;
    return {
      ...base,
      accepted: false,
      failure: probe.failure,
      enrollmentGroup: null,
      groupProblem: refused ? "service-refused" : "unavailable",
    };
  }
  const accepted = { ...base, accepted: true, failure: null };
  if (input.enteredGroupId) {
    if (probe.rights.enrollmentRead !== true)
      return { ...accepted, enrollmentGroup: null, groupProblem: "no-enrollment-read" };
    const read = await client.getEnrollmentGroup(input.connection, input.enteredGroupId, signal);
    if (!read.ok)
      return {
        ...accepted,
        enrollmentGroup: null,
        groupProblem: read.failure.kind === "not-found" ? "group-not-found" : "unavailable",
      };
    const matches = findGroupByKey([read.value], input.groupKeys) !== null;
    return {
      ...accepted,
      enrollmentGroup: summarizeGroup(read.value),
      groupProblem: matches ? null : "key-mismatch",
    };
  }
  if (probe.enrollmentGroups === null) {
    return {
      ...accepted,
      enrollmentGroup: null,
      groupProblem: probe.rights.enrollmentRead === false ? "no-enrollment-read" : "unavailable",
    };
  }
  const found = findGroupByKey(probe.enrollmentGroups, input.groupKeys);
  if (found === null) return { ...accepted, enrollmentGroup: null, groupProblem: "not-found-by-key" };
  return {
    ...accepted,
    enrollmentGroupId: found.enrollmentGroupId,
    enrollmentGroupSource: "found-by-key",
    enrollmentGroup: summarizeGroup(found),
    groupProblem: null,
  };
}

export type ServiceCheckColumns = {
  serviceRights?: ProbedRights;
  serviceCheckedAt?: Date;
  enrollmentGroupId?: string | null;
  enrollmentGroupSource?: "entered" | "found-by-key" | null;
  enrollmentGroup?: EnrollmentGroupSummary | null;
  enrollmentGroupCheckedAt?: Date;
  enrollmentGroupProblem?: string | null;
};

/**
 * What a check changes in the stored state. DPS not answering teaches nothing about rights or the
 * group, so the last known ones stay (with the problem noted); a refusal or an answer replaces them.
 */
export function serviceCheckColumns(check: ServiceCheck, at: Date): ServiceCheckColumns {
  const noted = { enrollmentGroupCheckedAt: at, enrollmentGroupProblem: check.groupProblem };
  if (!check.accepted && check.groupProblem === "unavailable") return noted;
  const rights = { ...noted, serviceRights: check.rights, serviceCheckedAt: at };
  if (check.groupProblem === "unavailable" || check.groupProblem === "service-refused") return rights;
  return {
    ...rights,
    enrollmentGroupId: check.enrollmentGroupId,
    enrollmentGroupSource: check.enrollmentGroupSource,
    enrollmentGroup: check.enrollmentGroup,
  };
}
