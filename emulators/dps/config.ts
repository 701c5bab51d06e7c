// Over 300 lines on purpose: the emulator's whole configuration (schema, cross-checks, runtime
// patches, the public view) in one place, as the admin API and the command line share it.
import { z } from "zod";

import { SERVICE_RIGHTS } from "@/lib/dps/service/rights";

/** Real DPS limits (docs/dps-protocol.md §4), so the app meets throttling locally before it meets it in Azure. */
export const DEFAULT_QUOTAS = {
  registrationsPerMinute: 1000,
  operationsPerMinute: 1000,
  pollsPer10sPerDevice: 5,
};
export const NO_FAULTS = {
  serverErrorRate: 0,
  resetRate: 0,
  malformedRate: 0,
  throttleRate: 0,
  extraLatencyMs: 0,
  unreachable: false,
};

function isBase64KeyOf16To64Bytes(value: string): boolean {
  if (value.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  const bytes = Buffer.from(value, "base64").length;
  return bytes >= 16 && bytes <= 64;
}

const groupKey = z.string().refine(isBase64KeyOf16To64Bytes, "must be base64 of 16 to 64 bytes");

const hostName = z
  .string()
  .regex(
    /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
    "must be a host name such as my-hub.azure-devices.net",
  );

const webhookUrl = z
  .string()
  .refine(
    (value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol),
    "must be an http or https URL",
  );

const rate = z.number().min(0, "must be between 0 and 1").max(1, "must be between 0 and 1");
const quotaLimit = z
  .number()
  .int("must be a whole number")
  .min(0, "must be 0 (unlimited) or more")
  .nullable();

export const linkedHubSchema = z.strictObject({
  name: hostName,
  allocationWeight: z
    .number()
    .int("must be a whole number")
    .min(1, "must be 1 to 1000")
    .max(1000, "must be 1 to 1000")
    .default(1),
  applyAllocationPolicy: z.boolean().default(true),
  /** What `geoLatency` minimises; a hub without a figure is treated as the farthest. */
  latencyMs: z.number().min(0, "must be 0 or more").optional(),
});

export const allocationPolicies = ["hashed", "geoLatency", "static", "custom"] as const;

export const enrollmentGroupSchema = z.strictObject({
  enrollmentGroupId: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9\-._:]{0,127}$/,
      "must be 1 to 128 letters, digits or - . _ : starting with a letter or digit",
    ),
  primaryKey: groupKey,
  secondaryKey: groupKey,
  allocationPolicy: z.enum(allocationPolicies).default("hashed"),
  /** Empty means every linked hub is a candidate, as in DPS. */
  iotHubs: z.array(hostName).default([]),
  customAllocationWebhookUrl: webhookUrl.nullable().default(null),
  reprovisionPolicy: z
    .strictObject({
      updateHubAssignment: z.boolean().default(true),
      migrateDeviceData: z.boolean().default(true),
    })
    .default({ updateHubAssignment: true, migrateDeviceData: true }),
  provisioningStatus: z.enum(["enabled", "disabled"]).default("enabled"),
});

/** A shared access policy of the service API (docs/dps-protocol.md §8.2): its name, two keys, and what it may do. */
export const servicePolicySchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._-]{1,256}$/, "must be 1 to 256 letters, digits or . _ -"),
  primaryKey: groupKey,
  secondaryKey: groupKey,
  rights: z.array(z.enum(SERVICE_RIGHTS)).default([...SERVICE_RIGHTS]),
});

export const quotasSchema = z.strictObject({
  registrationsPerMinute: quotaLimit.default(DEFAULT_QUOTAS.registrationsPerMinute),
  operationsPerMinute: quotaLimit.default(DEFAULT_QUOTAS.operationsPerMinute),
  pollsPer10sPerDevice: quotaLimit.default(DEFAULT_QUOTAS.pollsPer10sPerDevice),
});

export const faultsSchema = z.strictObject({
  serverErrorRate: rate.default(0),
  resetRate: rate.default(0),
  malformedRate: rate.default(0),
  /** 429 answers with `Retry-After: 1` that no quota caused (a DPS throttling the whole instance). */
  throttleRate: rate.default(0),
  /** An outage: every device request's connection is dropped at once (the admin API still answers). */
  unreachable: z.boolean().default(false),
  extraLatencyMs: z
    .number()
    .int("must be a whole number")
    .min(0, "must be 0 to 120000")
    .max(120_000, "must be 0 to 120000")
    .default(0),
});

const configObjectSchema = z.strictObject({
  idScope: z.string().regex(/^[A-Za-z0-9]{1,64}$/, "must be letters and digits only, e.g. 0ne00000A0A"),
  linkedHubs: z.array(linkedHubSchema).min(1, "at least one linked hub is needed"),
  enrollmentGroups: z.array(enrollmentGroupSchema).min(1, "at least one enrollment group is needed"),
  /** Empty: the service API refuses every call, as an instance whose policies were all deleted would. */
  servicePolicies: z.array(servicePolicySchema).default([]),
  retryAfterSeconds: z
    .number()
    .int("must be a whole number")
    .min(0, "must be 0 to 300")
    .max(300, "must be 0 to 300")
    .default(3),
  assignmentDelayMs: z
    .number()
    .int("must be a whole number")
    .min(0, "must be 0 to 600000")
    .max(600_000, "must be 0 to 600000")
    .default(0),
  webhookTimeoutMs: z
    .number()
    .int("must be a whole number")
    .min(1, "must be 1 to 60000")
    .max(60_000, "must be 1 to 60000")
    .default(5000),
  quotas: quotasSchema.default(DEFAULT_QUOTAS),
  faults: faultsSchema.default(NO_FAULTS),
});

type ConfigShape = z.output<typeof configObjectSchema>;

function checkCrossReferences(config: ConfigShape, ctx: z.RefinementCtx): void {
  const hubsByName = new Map(config.linkedHubs.map((hub) => [hub.name.toLowerCase(), hub]));
  if (hubsByName.size !== config.linkedHubs.length) {
    ctx.addIssue({ code: "custom", path: ["linkedHubs"], message: "hub names must be unique" });
  }
  const groupIds = new Set<string>();
  config.enrollmentGroups.forEach((group, index) => {
    const at = (...rest: (string | number)[]) => ["enrollmentGroups", index, ...rest];
    if (groupIds.has(group.enrollmentGroupId)) {
      ctx.addIssue({ code: "custom", path: at("enrollmentGroupId"), message: "must be unique" });
    }
    groupIds.add(group.enrollmentGroupId);
    group.iotHubs.forEach((name, hubIndex) => {
      if (!hubsByName.has(name.toLowerCase())) {
        ctx.addIssue({
          code: "custom",
          path: at("iotHubs", hubIndex),
          message: `"${name}" is not a linked hub`,
        });
      }
    });
    const candidates =
      group.iotHubs.length > 0
        ? group.iotHubs.map((name) => hubsByName.get(name.toLowerCase()))
        : config.linkedHubs;
    switch (group.allocationPolicy) {
      case "static":
        if (group.iotHubs.length !== 1) {
          ctx.addIssue({
            code: "custom",
            path: at("iotHubs"),
            message: "the static policy needs exactly one hub",
          });
        }
        break;
      case "custom":
        if (group.customAllocationWebhookUrl === null) {
          ctx.addIssue({
            code: "custom",
            path: at("customAllocationWebhookUrl"),
            message: "the custom policy needs a webhook URL",
          });
        }
        break;
      default:
        if (!candidates.some((hub) => hub?.applyAllocationPolicy)) {
          ctx.addIssue({
            code: "custom",
            path: at("iotHubs"),
            message: `the ${group.allocationPolicy} policy needs a candidate hub with applyAllocationPolicy true`,
          });
        }
    }
  });
  const policyNames = new Set<string>();
  config.servicePolicies.forEach((policy, index) => {
    if (policyNames.has(policy.name.toLowerCase()))
      ctx.addIssue({ code: "custom", path: ["servicePolicies", index, "name"], message: "must be unique" });
    policyNames.add(policy.name.toLowerCase());
  });
}

export const emulatorConfigSchema = configObjectSchema.superRefine(checkCrossReferences);

export type EmulatorConfig = z.output<typeof emulatorConfigSchema>;
export type EmulatorConfigInput = z.input<typeof emulatorConfigSchema>;
export type LinkedHub = EmulatorConfig["linkedHubs"][number];
export type EnrollmentGroup = EmulatorConfig["enrollmentGroups"][number];
export type AllocationPolicy = EnrollmentGroup["allocationPolicy"];
export type Quotas = EmulatorConfig["quotas"];
export type Faults = EmulatorConfig["faults"];
export type ServicePolicy = EmulatorConfig["servicePolicies"][number];

/** Thrown for a configuration (file, option or admin change) the emulator refuses; the message names field and reason. */
export class EmulatorConfigError extends Error {
  override name = "EmulatorConfigError";
}

function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const part of path) {
    text += typeof part === "number" ? `[${part}]` : `${text === "" ? "" : "."}${String(part)}`;
  }
  return text;
}

/** `config: enrollmentGroups[0].primaryKey: must be base64 of 16 to 64 bytes` — one line, every problem. */
export function describeIssues(prefix: string, error: z.ZodError): string {
  const problems = error.issues.map((issue) => {
    const where = formatPath(issue.path);
    return where === "" ? issue.message : `${where}: ${issue.message}`;
  });
  return `${prefix}: ${problems.join("; ")}`;
}

export function parseEmulatorConfig(input: unknown, prefix = "config"): EmulatorConfig {
  const result = emulatorConfigSchema.safeParse(input);
  if (!result.success) throw new EmulatorConfigError(describeIssues(prefix, result.error));
  return result.data;
}

export function parseFaults(input: unknown, base: Faults = NO_FAULTS): Faults {
  const result = faultsSchema.safeParse({ ...base, ...asObject(input, "faults") });
  if (!result.success) throw new EmulatorConfigError(describeIssues("faults", result.error));
  return result.data;
}

export function parseQuotas(input: unknown, base: Quotas = DEFAULT_QUOTAS): Quotas {
  const result = quotasSchema.safeParse({ ...base, ...asObject(input, "quotas") });
  if (!result.success) throw new EmulatorConfigError(describeIssues("quotas", result.error));
  return result.data;
}

function asObject(input: unknown, what: string): Record<string, unknown> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new EmulatorConfigError(`${what}: must be a JSON object`);
  }
  return input as Record<string, unknown>;
}

export type ConfigPatch = {
  idScope?: string;
  linkedHubs?: unknown[];
  /** Entries merge into the group with the same enrollmentGroupId; an unknown id adds a group. */
  enrollmentGroups?: ({ enrollmentGroupId: string } & Record<string, unknown>)[];
  /** Entries merge into the policy with the same name; an unknown name adds a policy. */
  servicePolicies?: ({ name: string } & Record<string, unknown>)[];
  retryAfterSeconds?: number;
  assignmentDelayMs?: number;
  webhookTimeoutMs?: number;
  quotas?: Partial<Record<keyof Quotas, number | null>>;
  faults?: Partial<Faults>;
};

/** Applies a runtime change and re-validates the whole result, so cross-field rules hold after every change. */
export function applyConfigPatch(current: EmulatorConfig, patchInput: unknown): EmulatorConfig {
  const patch = asObject(patchInput, "config");
  const merged: Record<string, unknown> = { ...current, ...patch };
  if ("quotas" in patch) merged.quotas = { ...current.quotas, ...asObject(patch.quotas, "config: quotas") };
  if ("faults" in patch) merged.faults = { ...current.faults, ...asObject(patch.faults, "config: faults") };
  if ("enrollmentGroups" in patch) {
    if (!Array.isArray(patch.enrollmentGroups))
      throw new EmulatorConfigError("config: enrollmentGroups: must be an array");
    const groups: unknown[] = [...current.enrollmentGroups];
    for (const change of patch.enrollmentGroups as unknown[]) {
      const entry = asObject(change, "config: enrollmentGroups[]");
      const index = current.enrollmentGroups.findIndex(
        (group) => group.enrollmentGroupId === entry.enrollmentGroupId,
      );
      if (index === -1) groups.push(entry);
      else groups[index] = { ...current.enrollmentGroups[index], ...entry };
    }
    merged.enrollmentGroups = groups;
  }
  if ("servicePolicies" in patch) {
    if (!Array.isArray(patch.servicePolicies))
      throw new EmulatorConfigError("config: servicePolicies: must be an array");
    const policies: unknown[] = [...current.servicePolicies];
    for (const change of patch.servicePolicies as unknown[]) {
      const entry = asObject(change, "config: servicePolicies[]");
      const name = typeof entry.name === "string" ? entry.name.toLowerCase() : null;
      const index = current.servicePolicies.findIndex((policy) => policy.name.toLowerCase() === name);
      if (index === -1) policies.push(entry);
      else policies[index] = { ...current.servicePolicies[index], ...entry };
    }
    merged.servicePolicies = policies;
  }
  return parseEmulatorConfig(merged);
}

export type PublicEnrollmentGroup = Omit<EnrollmentGroup, "primaryKey" | "secondaryKey">;
export type PublicServicePolicy = Omit<ServicePolicy, "primaryKey" | "secondaryKey">;
export type PublicEmulatorConfig = Omit<EmulatorConfig, "enrollmentGroups" | "servicePolicies"> & {
  enrollmentGroups: PublicEnrollmentGroup[];
  servicePolicies: PublicServicePolicy[];
};

/** The configuration as the admin API shows it: group and policy keys are secrets and never leave the process that way. */
export function publicConfig(config: EmulatorConfig): PublicEmulatorConfig {
  return {
    ...config,
    servicePolicies: config.servicePolicies.map(({ name, rights }) => ({ name, rights })),
    enrollmentGroups: config.enrollmentGroups.map((group) => {
      const shown: Partial<EnrollmentGroup> = { ...group };
      delete shown.primaryKey;
      delete shown.secondaryKey;
      return shown as PublicEnrollmentGroup;
    }),
  };
}

export function candidateHubs(config: EmulatorConfig, group: EnrollmentGroup): LinkedHub[] {
  if (group.iotHubs.length === 0) return config.linkedHubs;
  const wanted = new Set(group.iotHubs.map((name) => name.toLowerCase()));
  return config.linkedHubs.filter((hub) => wanted.has(hub.name.toLowerCase()));
}
