import type { z } from "zod";
import { hasPermission, type Permission, type Role } from "@/lib/auth/permissions";
import {
  changePasswordSchema,
  firstAdminSchema,
  newUserSchema,
  setRoleSchema,
  signInSchema,
  userIdSchema,
} from "@/lib/validation/user";
import { checkHubSchema, newDeviceSchema, troubleshootSchema } from "@/lib/validation/device";
import { deleteOrphanIdentitySchema, requestHubDriftSchema } from "@/lib/validation/hub-drift";
import { deleteOrphanSchema, reconcileSchema } from "@/lib/validation/registration-records";
import {
  incompleteRemovalSchema,
  removalPreviewSchema,
  removeDeviceSchema,
  removeDevicesSchema,
} from "@/lib/validation/device-removal";
import {
  disconnectDpsSchema,
  dpsIntegrationSchema,
  testDpsConnectionSchema,
} from "@/lib/integrations/azure-dps/schema";
import { hubCredentialSchema, removeHubCredentialSchema } from "@/lib/validation/hub-credential";

/**
 * Who may call each server action and route handler, by lib/auth/permissions.ts, with an input
 * that passes validation (so a refusal proves the permission check, not the schema) and does no
 * harm when it is allowed. Every action and route the scan finds must have an entry here.
 */
export type Access = Permission | "public" | "signed-in";
export type Caller = Role | "anonymous";
export const CALLERS: Caller[] = ["anonymous", "support", "operator", "admin"];

export type Context = {
  run: string;
  next: () => number;
  victimUserId: string;
  victimDeviceId: number;
  victimImportId: number;
};

export type ActionExpectation = {
  /** What the code is expected to check (documentation; compared with `allowed` through the code's table). */
  access: Access;
  /** Who may call it, written by hand from docs/design.md's roles: the suite's verdicts follow this, not the code's table. */
  allowed: readonly Caller[];
  /** The schema the action validates with, so the fuzzer knows which inputs must change nothing. */
  schema: z.ZodType | null;
  input: (ctx: Context) => unknown;
  /** Never changes the state the suite compares, whoever calls it (e.g. first-run setup once users exist). */
  neverChanges?: boolean;
  /** Ends the caller's own session when allowed: the suite signs in again afterwards. */
  endsSession?: boolean;
};

const KEY = Buffer.alloc(32, 9).toString("base64");
// A host outside the outbound policy: an allowed caller gets a field error, and nothing is sent anywhere.
const dpsForm = {
  mode: "connect",
  version: 999_999,
  idScope: "0ne00000000",
  primaryKey: KEY,
  host: "dps.example.com",
  secondaryKey: "",
  registrationsPerMinute: "1000",
};

// A hub the group does not use: an allowed caller is refused at the field before anything is probed or saved.
const STRANGER_HUB = "adversarial-stranger.azure-devices.net";

export const ACTIONS: Record<string, ActionExpectation> = {
  "lib/actions/add-device.ts#addDeviceAction": {
    access: "devices.manage",
    allowed: ["operator", "admin"],
    schema: newDeviceSchema,
    input: (c) => ({ registrationId: `adv-${c.run}-${c.next()}` }),
  },
  "lib/actions/remove-device.ts#removeDeviceAction": {
    access: "devices.manage",
    allowed: ["operator", "admin"],
    schema: removeDeviceSchema,
    input: (c) => ({ deviceId: c.victimDeviceId }),
  },
  // No such device: an allowed caller is told so, and nothing is queued (whichever way it asks to remove).
  "lib/actions/remove-devices.ts#removeDevicesAction": {
    access: "devices.manage",
    allowed: ["operator", "admin"],
    schema: removeDevicesSchema,
    input: () => ({ deviceIds: [999_999_999], choice: "block", leaveUncleanable: true }),
    neverChanges: true,
  },
  // Reads only: what a removal would leave where.
  "lib/actions/preview-removal.ts#previewRemovalAction": {
    access: "devices.manage",
    allowed: ["operator", "admin"],
    schema: removalPreviewSchema,
    input: (c) => ({ deviceIds: [c.victimDeviceId, 999_999_999] }),
    neverChanges: true,
  },
  // The victim has no incomplete removal: an allowed caller is told so, and nothing runs.
  "lib/actions/retry-removal.ts#retryRemovalAction": {
    access: "devices.manage",
    allowed: ["operator", "admin"],
    schema: incompleteRemovalSchema,
    input: (c) => ({ deviceId: c.victimDeviceId }),
    neverChanges: true,
  },
  "lib/actions/keep-device.ts#keepDeviceAction": {
    access: "devices.manage",
    allowed: ["operator", "admin"],
    schema: incompleteRemovalSchema,
    input: (c) => ({ deviceId: c.victimDeviceId }),
    neverChanges: true,
  },
  "lib/actions/reconcile-registrations.ts#reconcileRegistrationsAction": {
    access: "registrations.reconcile",
    allowed: ["operator", "admin"],
    schema: reconcileSchema,
    input: () => ({}),
  },
  // Not an orphan of the last reconciliation: an allowed caller is told so, and DPS is not called.
  "lib/actions/delete-orphan-registration.ts#deleteOrphanRegistrationAction": {
    access: "registrations.delete",
    allowed: ["operator", "admin"],
    schema: deleteOrphanSchema,
    input: (c) => ({ registrationId: `adv-nobody-${c.run}` }),
    neverChanges: true,
  },
  // Starts a drift run over the hubs with saved credentials (or says none are saved): a run row and a job.
  "lib/actions/request-hub-drift.ts#requestHubDriftAction": {
    access: "registrations.reconcile",
    allowed: ["operator", "admin"],
    schema: requestHubDriftSchema,
    input: () => ({}),
  },
  // Not an orphan of the last drift run: an allowed caller is told so, and no hub is called.
  "lib/actions/delete-orphan-identity.ts#deleteOrphanIdentityAction": {
    access: "registrations.delete",
    allowed: ["operator", "admin"],
    schema: deleteOrphanIdentitySchema,
    input: (c) => ({ hubHost: "hic-demo-hub-1.azure-devices.net", deviceId: `adv-nobody-${c.run}` }),
    neverChanges: true,
  },
  // Reads DPS and the hub and connects as the device, recording nothing but its audit entry.
  "lib/actions/troubleshoot-device.ts#troubleshootDeviceAction": {
    access: "devices.view",
    allowed: ["support", "operator", "admin"],
    schema: troubleshootSchema,
    input: (c) => ({ deviceId: c.victimDeviceId }),
    neverChanges: true,
  },
  "lib/actions/reprovision-devices.ts#reprovisionDevicesAction": {
    access: "devices.provision",
    allowed: ["operator", "admin"],
    schema: null,
    input: (c) => ({ deviceIds: [c.victimDeviceId] }),
  },
  // No such device: an allowed caller is told so, and no hub is contacted.
  "lib/actions/check-hub-connection.ts#checkHubConnectionAction": {
    access: "devices.check-hub",
    allowed: ["operator", "admin"],
    schema: checkHubSchema,
    input: () => ({ deviceId: 999_999_999 }),
    neverChanges: true,
  },
  "lib/actions/set-provisioning-paused.ts#setProvisioningPausedAction": {
    access: "devices.provision",
    allowed: ["operator", "admin"],
    schema: null,
    input: () => ({ paused: false }),
  },
  "lib/actions/save-dps-integration.ts#saveDpsIntegrationAction": {
    access: "integration.manage",
    allowed: ["admin"],
    schema: dpsIntegrationSchema,
    input: () => dpsForm,
    neverChanges: true,
  },
  "lib/actions/test-dps-connection.ts#testDpsConnectionAction": {
    access: "integration.manage",
    allowed: ["admin"],
    schema: testDpsConnectionSchema,
    input: () => dpsForm,
    neverChanges: true,
  },
  "lib/actions/disconnect-dps-integration.ts#disconnectDpsIntegrationAction": {
    access: "integration.manage",
    allowed: ["admin"],
    schema: disconnectDpsSchema,
    input: () => ({ version: 999_999 }),
    neverChanges: true,
  },
  "lib/actions/save-hub-credential.ts#saveHubCredentialAction": {
    access: "integration.manage",
    allowed: ["admin"],
    schema: hubCredentialSchema,
    input: () => ({
      hubHost: STRANGER_HUB,
      connectionString: `HostName=${STRANGER_HUB};SharedAccessKeyName=registryRead;SharedAccessKey=${KEY}`,
    }),
    neverChanges: true,
  },
  // No string is saved for that hub: an allowed caller is told so, and nothing changes.
  "lib/actions/remove-hub-credential.ts#removeHubCredentialAction": {
    access: "integration.manage",
    allowed: ["admin"],
    schema: removeHubCredentialSchema,
    input: () => ({ hubHost: STRANGER_HUB }),
    neverChanges: true,
  },
  "lib/actions/create-user.ts#createUserAction": {
    access: "users.manage",
    allowed: ["admin"],
    schema: newUserSchema,
    input: (c) => ({
      email: `adv-new-${c.run}-${c.next()}@example.com`,
      password: "adversarial-password-1",
      role: "support",
    }),
  },
  "lib/actions/set-user-role.ts#setUserRoleAction": {
    access: "users.manage",
    allowed: ["admin"],
    schema: setRoleSchema,
    input: (c) => ({ userId: c.victimUserId, role: "admin" }),
  },
  "lib/actions/set-user-disabled.ts#setUserDisabledAction": {
    access: "users.manage",
    allowed: ["admin"],
    schema: null,
    input: (c) => ({ userId: c.victimUserId, disabled: true }),
  },
  "lib/actions/unlock-user.ts#unlockUserAction": {
    access: "users.manage",
    allowed: ["admin"],
    schema: userIdSchema,
    input: (c) => ({ userId: c.victimUserId }),
    neverChanges: true,
  },
  "lib/actions/end-user-sessions.ts#endUserSessionsAction": {
    access: "users.manage",
    allowed: ["admin"],
    schema: userIdSchema,
    input: (c) => ({ userId: c.victimUserId }),
  },
  "lib/actions/change-password.ts#changePasswordAction": {
    access: "signed-in",
    allowed: ["support", "operator", "admin"],
    schema: changePasswordSchema,
    // The current password is wrong: an allowed caller is refused at the field and nothing changes.
    input: () => ({
      currentPassword: "not-the-current-one",
      newPassword: "a-new-password-123",
      confirmPassword: "a-new-password-123",
    }),
    neverChanges: true,
  },
  "lib/actions/sign-out-everywhere.ts#signOutEverywhereAction": {
    access: "signed-in",
    allowed: ["support", "operator", "admin"],
    schema: null,
    input: () => ({}),
    endsSession: true,
  },
  // Ends the caller's session on the server (ended_sessions); anonymous has none to end.
  "lib/actions/sign-out.ts#signOutAction": {
    access: "public",
    allowed: ["anonymous", "support", "operator", "admin"],
    schema: null,
    input: () => undefined,
    endsSession: true,
  },
  "lib/actions/sign-in.ts#signInAction": {
    access: "public",
    allowed: ["anonymous", "support", "operator", "admin"],
    schema: signInSchema,
    input: (c) => ({ email: `adv-nobody-${c.run}@example.com`, password: "wrong-password-1" }),
    neverChanges: true,
  },
  "lib/actions/create-first-admin.ts#createFirstAdminAction": {
    access: "public",
    allowed: ["anonymous", "support", "operator", "admin"],
    schema: firstAdminSchema,
    // Users exist, so the first-run step refuses everyone.
    input: (c) => ({
      email: `adv-first-${c.run}@example.com`,
      password: "adversarial-password-1",
      confirmPassword: "adversarial-password-1",
    }),
    neverChanges: true,
  },
};

export type RouteExpectation = {
  access: Access;
  /** As for actions: written by hand, compared with the code's table. */
  allowed: readonly Caller[];
  request: (ctx: Context) => { path: string; init?: RequestInit };
  neverChanges?: boolean;
};

export const ROUTES: Record<string, RouteExpectation> = {
  "app/api/auth/[...nextauth]/route.ts#GET": {
    access: "public",
    allowed: ["anonymous", "support", "operator", "admin"],
    request: () => ({ path: "/api/auth/session" }),
    neverChanges: true,
  },
  "app/api/auth/[...nextauth]/route.ts#POST": {
    access: "public",
    allowed: ["anonymous", "support", "operator", "admin"],
    request: () => ({
      path: "/api/auth/signout",
      init: {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: "csrfToken=forged",
      },
    }),
    neverChanges: true,
  },
  "app/api/devices/export/route.ts#GET": {
    access: "devices.view",
    allowed: ["support", "operator", "admin"],
    request: () => ({ path: "/api/devices/export" }),
    neverChanges: true,
  },
  "app/api/devices/import/route.ts#POST": {
    access: "devices.manage",
    allowed: ["operator", "admin"],
    request: (c) => ({
      path: "/api/devices/import",
      init: {
        method: "POST",
        headers: { "Content-Type": "text/csv" },
        body: `registrationId\nadv-route-${c.run}-${c.next()}\n`,
      },
    }),
  },
  "app/api/devices/imports/[id]/report/route.ts#GET": {
    access: "devices.manage",
    allowed: ["operator", "admin"],
    request: (c) => ({ path: `/api/devices/imports/${c.victimImportId}/report` }),
    neverChanges: true,
  },
  "app/api/registration-records/export/route.ts#GET": {
    access: "registrations.view",
    allowed: ["support", "operator", "admin"],
    request: () => ({ path: "/api/registration-records/export?finding=orphan" }),
    neverChanges: true,
  },
  // The troubleshooter's bundle: the same chain, answered as a redacted JSON download.
  "app/api/devices/[id]/diagnostics/route.ts#POST": {
    access: "devices.view",
    allowed: ["support", "operator", "admin"],
    request: (c) => ({ path: `/api/devices/${c.victimDeviceId}/diagnostics`, init: { method: "POST" } }),
    neverChanges: true,
  },
  // For load balancers and orchestrators: unauthenticated by design, and they reveal nothing secret.
  "app/api/health/route.ts#GET": {
    access: "public",
    allowed: ["anonymous", "support", "operator", "admin"],
    request: () => ({ path: "/api/health" }),
    neverChanges: true,
  },
  "app/api/ready/route.ts#GET": {
    access: "public",
    allowed: ["anonymous", "support", "operator", "admin"],
    request: () => ({ path: "/api/ready" }),
    neverChanges: true,
  },
};

/** The hand-kept matrix's answer: what the suite expects, whatever lib/auth/permissions.ts says. */
export function isAllowed(expectation: { allowed: readonly Caller[] }, caller: Caller): boolean {
  return expectation.allowed.includes(caller);
}

/** The code's permission table's answer for the same cell, to compare with the matrix. */
export function allowedByTable(access: Access, caller: Caller): boolean {
  if (access === "public") return true;
  if (caller === "anonymous") return false;
  return access === "signed-in" || hasPermission(caller, access);
}
