import { z } from "zod";

import { allocateHub } from "./allocation";
import {
  candidateHubs,
  describeIssues,
  EmulatorConfigError,
  type EmulatorConfig,
  type EnrollmentGroup,
} from "./config";
import type { RegistrationRecord } from "./store";
import { isValidRegistrationId, newEtag, timestampUtc } from "./wire-format";

/**
 * Registration records made outside the app (another tool, a device registering by itself, a record
 * left behind by a removal elsewhere): the admin API adds them so tests and benchmarks can create
 * orphans and big groups without registering each device.
 */

const registrationId = z
  .string()
  .refine(isValidRegistrationId, "must be a valid registration ID (letters, digits and - . _ :)");

export const outsideRegistrationSchema = z.strictObject({
  registrationId,
  /** Omitted: the first enrollment group. */
  enrollmentGroupId: z.string().optional(),
  status: z.enum(["assigned", "failed", "disabled"]).default("assigned"),
  /** Omitted: what the group's allocation policy picks (for assigned records). */
  assignedHub: z.string().min(1).optional(),
  /** Omitted: the registration ID, as DPS names an enrollment group member's device. */
  deviceId: z.string().min(1).optional(),
  substatus: z
    .enum(["initialAssignment", "deviceDataMigrated", "deviceDataReset", "reprovisionedToInitialAssignment"])
    .default("initialAssignment"),
  errorCode: z.number().int().optional(),
  errorMessage: z.string().optional(),
});

export const generateRegistrationsSchema = z.strictObject({
  /** Records are `<prefix><n>` with n zero-padded to `digits`. */
  prefix: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9\-._:]{0,100}$/,
      "must start with a letter or digit and use letters, digits and - . _ :",
    ),
  count: z.number().int().min(1, "must be 1 to 2000000").max(2_000_000, "must be 1 to 2000000"),
  start: z.number().int().min(0).default(1),
  digits: z.number().int().min(1).max(12).default(7),
  enrollmentGroupId: z.string().optional(),
  assignedHub: z.string().min(1).optional(),
});

export type OutsideRegistration = z.input<typeof outsideRegistrationSchema>;
export type GenerateRegistrations = z.input<typeof generateRegistrationsSchema>;

function groupOf(
  config: EmulatorConfig,
  enrollmentGroupId: string | undefined,
  path: string,
): EnrollmentGroup {
  const group =
    enrollmentGroupId === undefined
      ? config.enrollmentGroups[0]
      : config.enrollmentGroups.find((g) => g.enrollmentGroupId === enrollmentGroupId);
  if (group === undefined)
    throw new EmulatorConfigError(`${path}.enrollmentGroupId: no enrollment group "${enrollmentGroupId}"`);
  return group;
}

function hubFor(config: EmulatorConfig, group: EnrollmentGroup, id: string): string | undefined {
  const candidates = candidateHubs(config, group);
  const policy = group.allocationPolicy === "custom" ? "static" : group.allocationPolicy;
  return allocateHub(policy, candidates, id)?.name ?? candidates[0]?.name;
}

function record(
  config: EmulatorConfig,
  input: z.output<typeof outsideRegistrationSchema>,
  path: string,
  nowMs: number,
): RegistrationRecord {
  const group = groupOf(config, input.enrollmentGroupId, path);
  const now = timestampUtc(nowMs);
  const assigned = input.status === "assigned";
  const hub = input.assignedHub ?? (assigned ? hubFor(config, group, input.registrationId) : undefined);
  return {
    registrationId: input.registrationId,
    enrollmentGroupId: group.enrollmentGroupId,
    status: input.status,
    ...(assigned ? { substatus: input.substatus } : {}),
    ...(hub !== undefined ? { assignedHub: hub, deviceId: input.deviceId ?? input.registrationId } : {}),
    createdDateTimeUtc: now,
    lastUpdatedDateTimeUtc: now,
    etag: newEtag(nowMs),
    ...(input.errorCode !== undefined
      ? { errorCode: input.errorCode, errorMessage: input.errorMessage ?? "" }
      : {}),
  };
}

/** Validates one record or a list of them; throws EmulatorConfigError naming the field and the reason. */
export function outsideRecords(config: EmulatorConfig, input: unknown, nowMs: number): RegistrationRecord[] {
  const items = Array.isArray(input) ? input : [input];
  return items.map((item, index) => {
    const path = Array.isArray(input) ? `registrations[${index}]` : "registration";
    const parsed = outsideRegistrationSchema.safeParse(item);
    if (!parsed.success) throw new EmulatorConfigError(describeIssues(path, parsed.error));
    return record(config, parsed.data, path, nowMs);
  });
}

/** `count` assigned records `<prefix><start…>`, each on the hub its group's policy picks. */
export function* generatedRecords(
  config: EmulatorConfig,
  input: unknown,
  nowMs: number,
): Generator<RegistrationRecord> {
  const parsed = generateRegistrationsSchema.safeParse(input);
  if (!parsed.success) throw new EmulatorConfigError(describeIssues("generate", parsed.error));
  const spec = parsed.data;
  const group = groupOf(config, spec.enrollmentGroupId, "generate");
  for (let n = spec.start; n < spec.start + spec.count; n += 1) {
    const id = `${spec.prefix}${String(n).padStart(spec.digits, "0")}`;
    yield record(
      config,
      {
        registrationId: id,
        enrollmentGroupId: group.enrollmentGroupId,
        status: "assigned",
        substatus: "initialAssignment",
        assignedHub: spec.assignedHub,
      },
      "generate",
      nowMs,
    );
  }
}
