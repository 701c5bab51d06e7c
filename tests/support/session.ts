import { randomUUID } from "node:crypto";
import type { Role } from "@/lib/auth/permissions";
import type { SessionClaims } from "@/lib/auth/session-source";
import { createUser } from "@/lib/users/store";
import type { UserDto } from "@/lib/users/user-dto";

/**
 * The signed-in user for tests of the data-access layer and the actions. A test file puts this
 * module in place of the session cookie with
 *   vi.mock("@/lib/auth/session-source", () => import("@/tests/support/session"));
 * and then signs in with signInAs(), or as an existing user with useSessionOf(), or signs out.
 */
let claims: SessionClaims | null = null;

/** What lib/auth/session-source.ts answers in the app: the session's user and the session generation that issued it, or null. */
export async function sessionClaims(): Promise<SessionClaims | null> {
  return claims;
}

/** A new user of `role`, signed in (a new user's sessions are generation 0). */
export async function signInAs(role: Role, email = `${role}-${randomUUID()}@example.com`): Promise<UserDto> {
  const user = await createUser({ email, password: "password-123456", role });
  claims = { userId: user.id, generation: 0 };
  return user;
}

/** A session of `user` issued at session generation `generation` (0 until their sessions are first ended). */
export function useSessionOf(user: { id: string }, generation = 0): void {
  claims = { userId: user.id, generation };
}

export function signOut(): void {
  claims = null;
}
