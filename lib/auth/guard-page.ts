import "server-only";
import { forbidden, redirect } from "next/navigation";
import { DatabaseUnavailableError, isDatabaseUnreachable } from "@/db/connection-errors";
import { markDatabaseDown } from "@/lib/database-availability";
import { AccessDeniedError, getCurrentUser, requirePermission, type CurrentUser } from "./current-user";
import type { Permission } from "./permissions";

/**
 * For pages: a missing session goes to sign-in, a missing permission renders the 403 page, and a
 * database that cannot be reached (every page reads the user from it first) renders the plain
 * "database unavailable" page (app/error.tsx) instead of an error.
 */
export async function guardPage(permission?: Permission): Promise<CurrentUser> {
  let user: CurrentUser | null;
  try {
    user = permission ? await requirePermission(permission) : await getCurrentUser();
  } catch (error) {
    if (error instanceof AccessDeniedError) {
      if (error.reason === "unauthenticated") redirect("/sign-in");
      forbidden();
    }
    if (isDatabaseUnreachable(error)) {
      markDatabaseDown();
      throw new DatabaseUnavailableError({ cause: error });
    }
    throw error;
  }
  if (!user) redirect("/sign-in");
  return user;
}
