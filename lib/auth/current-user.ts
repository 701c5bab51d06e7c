import "server-only";
import { cache } from "react";
import { findUserById } from "@/lib/users/store";
import { hasPermission, ROLE_PERMISSIONS, type Permission, type Role } from "./permissions";
import { sessionClaims } from "./session-source";
import { isSessionEnded } from "./ended-sessions";

export type CurrentUser = {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  permissions: readonly Permission[];
};

/**
 * The signed-in user as the database says now, not as the session token remembers: a demotion, a
 * disabled account or ended sessions (a newer session generation: password changed, "Sign out
 * everywhere"; or this session signed out) take effect on the very next request. Cached for one
 * request only.
 */
export const getCurrentUser = cache(async (): Promise<CurrentUser | null> => {
  const claims = await sessionClaims();
  if (!claims) return null;
  const [row, ended] = await Promise.all([
    findUserById(claims.userId),
    claims.sessionId ? isSessionEnded(claims.sessionId) : false,
  ]);
  if (!row || ended || row.disabledAt || row.sessionGeneration !== claims.generation) return null;
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    permissions: ROLE_PERMISSIONS[row.role],
  };
});

export class AccessDeniedError extends Error {
  constructor(
    readonly reason: "unauthenticated" | "forbidden",
    readonly permission: Permission | "account.self",
  ) {
    super(
      reason === "unauthenticated"
        ? "Your session has ended. Sign in again."
        : "You do not have permission to do this.",
    );
  }
}

/** For what every signed-in user may do to their own account (change the password, sign out everywhere). */
export async function requireSignedIn(): Promise<CurrentUser> {
  const user = await getCurrentUser();
  if (!user) throw new AccessDeniedError("unauthenticated", "account.self");
  return user;
}

/** The one gate every server action, route handler and data-access function passes through. */
export async function requirePermission(permission: Permission): Promise<CurrentUser> {
  const user = await getCurrentUser();
  if (!user) throw new AccessDeniedError("unauthenticated", permission);
  if (!hasPermission(user.role, permission)) throw new AccessDeniedError("forbidden", permission);
  return user;
}
