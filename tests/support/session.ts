import { randomUUID } from "node:crypto";
import type { Role } from "@/lib/auth/permissions";
import { createUser, type UserDto } from "@/lib/users/store";

/**
 * The signed-in user for tests of the data-access layer and the actions. A test file puts this
 * module in place of the session cookie with
 *   vi.mock("@/lib/auth/session-source", () => import("@/tests/support/session"));
 * and then signs in with signInAs(), or as an existing user with useSessionOf(), or signs out.
 */
let userId: string | null = null;

/** What lib/auth/session-source.ts answers in the app: the session's user id, or null. */
export async function sessionUserId(): Promise<string | null> {
  return userId;
}

export async function signInAs(role: Role, email = `${role}-${randomUUID()}@example.com`): Promise<UserDto> {
  const user = await createUser({ email, password: "password-123456", role });
  userId = user.id;
  return user;
}

export function useSessionOf(user: { id: string }): void {
  userId = user.id;
}

export function signOut(): void {
  userId = null;
}
