import type { DpsFailure } from "../types";
import type { DpsServiceClient } from "./client";
import type { ServiceConnection } from "./connection-string";
import type { ServiceRight } from "./rights";
import type { EnrollmentGroupView } from "./wire";

/** Never registered by the app (the device API's connection probe uses the same id): asking for it creates nothing. */
export const RIGHTS_PROBE_REGISTRATION_ID = "hic-connection-probe";
/** An etag no record has, so the write probe can never delete anything: DPS answers 404 or 412 once it allows the call. */
export const RIGHTS_PROBE_ETAG = '"hic-rights-probe"';

/** true = allowed, false = refused (401/403), null = not known (DPS did not answer, or the right is not probed). */
export type ProbedRights = Record<ServiceRight, boolean | null>;

export type ServiceProbe =
  | { accepted: true; rights: ProbedRights; enrollmentGroups: EnrollmentGroupView[] | null }
  /** DPS refused the policy for every call (wrong key, policy or host), or could not be reached. */
  | { accepted: false; failure: DpsFailure; rights: ProbedRights };

const refused = (failure: DpsFailure) => failure.kind === "unauthorized" || failure.httpStatus === 403;

/** Allowed: the call got past authorisation, whatever DPS then said about the (absent) record. */
const allowedBy = (result: { ok: true } | { ok: false; failure: DpsFailure }) =>
  result.ok || result.failure.kind === "not-found" || result.failure.httpStatus === 412
    ? true
    : refused(result.failure)
      ? false
      : null;

const MAX_GROUP_PAGES = 20;

/**
 * What the policy may do, learnt the only way the data plane allows: one harmless call per right.
 * Enrollment read lists the enrollment groups (their keys let the caller find its group); registration
 * read asks for a record that does not exist; registration write deletes that absent record under an
 * etag no record carries. Enrollment write is never tried: the app does not need it.
 */
export async function probeServiceRights(
  client: DpsServiceClient,
  connection: ServiceConnection,
  signal?: AbortSignal,
): Promise<ServiceProbe> {
  const groups: EnrollmentGroupView[] = [];
  let groupsFailure: DpsFailure | null = null;
  let continuationToken: string | null = null;
  for (let page = 0; page < MAX_GROUP_PAGES; page += 1) {
    const result = await client.queryEnrollmentGroups(
      connection,
      { pageSize: 100, continuationToken },
      signal,
    );
    if (!result.ok) {
      groupsFailure = result.failure;
      break;
    }
    groups.push(...result.value.items);
    continuationToken = result.value.continuationToken;
    if (!continuationToken) break;
  }
  const read = await client.getRegistrationState(connection, RIGHTS_PROBE_REGISTRATION_ID, signal);
  const write = await client.deleteRegistrationState(
    connection,
    RIGHTS_PROBE_REGISTRATION_ID,
    RIGHTS_PROBE_ETAG,
    signal,
  );
  const rights: ProbedRights = {
    enrollmentRead: groupsFailure === null ? true : refused(groupsFailure) ? false : null,
    enrollmentWrite: null,
    registrationStatusRead: allowedBy(read),
    registrationStatusWrite: allowedBy(write),
  };
  const probed = [rights.enrollmentRead, rights.registrationStatusRead, rights.registrationStatusWrite];
  if (probed.every((right) => right !== true)) {
    const failure = groupsFailure ?? (!read.ok ? read.failure : null) ?? (!write.ok ? write.failure : null);
    if (failure) return { accepted: false, failure, rights };
  }
  return { accepted: true, rights, enrollmentGroups: groupsFailure === null ? groups : null };
}

/** The symmetric-key group whose primary or secondary key is one of `groupKeys` (the app's enrollment group key). */
export function findGroupByKey(
  groups: readonly EnrollmentGroupView[],
  groupKeys: readonly (string | null | undefined)[],
): EnrollmentGroupView | null {
  const wanted = groupKeys.filter((key): key is string => Boolean(key));
  return (
    groups.find((group) => {
      const keys = group.symmetricKeys;
      return keys !== null && wanted.some((key) => key === keys.primaryKey || key === keys.secondaryKey);
    }) ?? null
  );
}

/** The group as the app shows and stores it: everything but its keys. */
export type EnrollmentGroupSummary = Omit<EnrollmentGroupView, "symmetricKeys">;

export function summarizeGroup(group: EnrollmentGroupView): EnrollmentGroupSummary {
  const summary: Partial<EnrollmentGroupView> = { ...group };
  delete summary.symmetricKeys;
  return summary as EnrollmentGroupSummary;
}
