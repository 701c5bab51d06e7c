import type { Role } from "@/lib/auth/permissions";

/** The users as pages and client components see them (types only: safe in the browser bundle). */

/** What the app shows of an account: never the password hash. */
export type UserDto = {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  disabled: boolean;
  lastSignInAt: string | null;
  createdAt: string;
};

/** A row of the users page: the account and, while sign-in is throttled for it, until when. */
export type UserListItemDto = UserDto & { lockedUntil: string | null };
