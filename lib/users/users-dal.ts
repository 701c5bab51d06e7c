import "server-only";
import { requirePermission } from "@/lib/auth/current-user";
import type { AuditAction } from "@/lib/audit/actions";
import { recordAudit } from "@/lib/audit/record";
import type { Role } from "@/lib/auth/permissions";
import { UserFacingError } from "@/lib/errors";
import {
  countActiveAdmins,
  createUser,
  DuplicateEmailError,
  findUserById,
  listUsers,
  setUserDisabled,
  setUserRole,
  type UserDto,
} from "./store";

export async function listUsersForAdmin(): Promise<UserDto[]> {
  await requirePermission("users.manage");
  return listUsers();
}

export async function addUser(input: { email: string; name?: string; password: string; role: Role }): Promise<UserDto> {
  const actor = await requirePermission("users.manage");
  try {
    const user = await createUser(input);
    await recordAudit({ actor, action: "user.create", target: user.email, outcome: "success", detail: { role: user.role } });
    return user;
  } catch (error) {
    if (error instanceof DuplicateEmailError) {
      await recordAudit({ actor, action: "user.create", target: input.email, outcome: "failure", detail: { reason: "duplicate email" } });
      throw new UserFacingError(error.message, { email: [error.message] });
    }
    throw error;
  }
}

async function ensureAnotherAdminRemains(userId: string): Promise<void> {
  const target = await findUserById(userId);
  if (target?.role === "admin" && !target.disabledAt && (await countActiveAdmins()) <= 1) {
    throw new UserFacingError("This is the last active administrator; make someone else an administrator first.");
  }
}

export async function changeUserRole(userId: string, role: Role): Promise<UserDto> {
  const actor = await requirePermission("users.manage");
  if (role !== "admin") await ensureAnotherAdminRemains(userId);
  const before = await findUserById(userId);
  const user = await setUserRole(userId, role);
  if (!user || !before) throw new UserFacingError("That user no longer exists.");
  await recordAudit({ actor, action: "user.set-role", target: user.email, outcome: "success", detail: { from: before.role, to: role } });
  return user;
}

/** Disabling and enabling are two intents in the audit log. */
export function userDisabledIntent(disabled: boolean): AuditAction {
  return disabled ? "user.disable" : "user.enable";
}

export async function changeUserDisabled(userId: string, disabled: boolean): Promise<UserDto> {
  const actor = await requirePermission("users.manage");
  if (disabled) {
    if (userId === actor.id) throw new UserFacingError("You cannot disable your own account.");
    await ensureAnotherAdminRemains(userId);
  }
  const user = await setUserDisabled(userId, disabled);
  if (!user) throw new UserFacingError("That user no longer exists.");
  await recordAudit({ actor, action: userDisabledIntent(disabled), target: user.email, outcome: "success" });
  return user;
}
