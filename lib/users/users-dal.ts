import "server-only";
import { requirePermission } from "@/lib/auth/current-user";
import type { AuditAction } from "@/lib/audit/actions";
import { recordAudit } from "@/lib/audit/record";
import type { Role } from "@/lib/auth/permissions";
import { lockedAccounts, unlockAccount } from "@/lib/auth/throttle";
import { UserFacingError } from "@/lib/errors";
import {
  createFirstAdmin,
  createUser,
  DuplicateEmailError,
  endUserSessions,
  findUserById,
  LastAdminError,
  listUsers,
  setUserDisabled,
  setUserRole,
  toUserDto,
} from "./store";
import type { UserDto, UserListItemDto } from "./user-dto";

export async function listUsersForAdmin(): Promise<UserListItemDto[]> {
  await requirePermission("users.manage");
  const [users, locks] = await Promise.all([listUsers(), lockedAccounts()]);
  return users.map((u) => ({ ...u, lockedUntil: locks.get(u.email.toLowerCase())?.toISOString() ?? null }));
}

export async function addUser(input: {
  email: string;
  name?: string;
  password: string;
  role: Role;
}): Promise<UserDto> {
  const actor = await requirePermission("users.manage");
  try {
    const user = await createUser(input);
    await recordAudit({
      actor,
      action: "user.create",
      target: user.email,
      outcome: "success",
      detail: { role: user.role },
    });
    return user;
  } catch (error) {
    if (error instanceof DuplicateEmailError) {
      await recordAudit({
        actor,
        action: "user.create",
        target: input.email,
        outcome: "failure",
        detail: { reason: "duplicate email" },
      });
      throw new UserFacingError(error.message, { email: [error.message] });
    }
    throw error;
  }
}

function lastAdminRefusal(error: unknown): never {
  if (error instanceof LastAdminError) throw new UserFacingError(error.message);
  throw error;
}

export async function changeUserRole(userId: string, role: Role): Promise<UserDto> {
  const actor = await requirePermission("users.manage");
  const result = await setUserRole(userId, role).catch(lastAdminRefusal);
  if (!result) throw new UserFacingError("That user no longer exists.");
  await recordAudit({
    actor,
    action: "user.set-role",
    target: result.after.email,
    outcome: "success",
    detail: { from: result.before.role, to: role },
  });
  return result.after;
}

/** Disabling and enabling are two intents in the audit log. */
export function userDisabledIntent(disabled: boolean): AuditAction {
  return disabled ? "user.disable" : "user.enable";
}

export async function changeUserDisabled(userId: string, disabled: boolean): Promise<UserDto> {
  const actor = await requirePermission("users.manage");
  if (disabled && userId === actor.id) throw new UserFacingError("You cannot disable your own account.");
  const user = await setUserDisabled(userId, disabled).catch(lastAdminRefusal);
  if (!user) throw new UserFacingError("That user no longer exists.");
  await recordAudit({
    actor,
    action: userDisabledIntent(disabled),
    target: user.email,
    outcome: "success",
    detail: disabled ? { sessionsEnded: true } : {},
  });
  return user;
}

/** Lets a locked-out user try again at once (the lock after repeated wrong passwords). */
export async function unlockUser(userId: string): Promise<{ user: UserDto; wasLocked: boolean }> {
  const actor = await requirePermission("users.manage");
  const row = await findUserById(userId);
  if (!row) throw new UserFacingError("That user no longer exists.");
  const wasLocked = await unlockAccount(row.email);
  await recordAudit({
    actor,
    action: "user.unlock",
    target: row.email,
    outcome: "success",
    detail: { wasLocked },
  });
  return { user: toUserDto(row), wasLocked };
}

/** Ends every session of another user (their next request goes to the sign-in page). */
export async function endSessionsOfUser(userId: string): Promise<UserDto> {
  const actor = await requirePermission("users.manage");
  const user = await endUserSessions(userId);
  if (!user) throw new UserFacingError("That user no longer exists.");
  await recordAudit({ actor, action: "user.end-sessions", target: user.email, outcome: "success" });
  return user;
}

/**
 * The first-run step: open to anyone, and the permission is that no account exists yet (the store
 * checks it under a lock, so two simultaneous submissions make one administrator). Either way it
 * is audited, with the client's address. Null when an account already existed.
 */
export async function setUpFirstAdministrator(
  input: { email: string; name?: string; password: string },
  clientAddress: string | null,
): Promise<UserDto | null> {
  const user = await createFirstAdmin(input);
  await recordAudit(
    user
      ? { actor: user, action: "setup.first-admin", target: user.email, outcome: "success", clientAddress }
      : {
          action: "setup.first-admin",
          target: input.email,
          outcome: "denied",
          detail: { reason: "users already exist" },
          clientAddress,
        },
  );
  return user;
}
