import "server-only";
import { forbidden, redirect } from "next/navigation";
import { AccessDeniedError, getCurrentUser, requirePermission, type CurrentUser } from "./current-user";
import type { Permission } from "./permissions";

/** For pages: a missing session goes to sign-in, a missing permission renders the 403 page. */
export async function guardPage(permission?: Permission): Promise<CurrentUser> {
  if (!permission) {
    const user = await getCurrentUser();
    if (!user) redirect("/sign-in");
    return user;
  }
  try {
    return await requirePermission(permission);
  } catch (error) {
    if (error instanceof AccessDeniedError) {
      if (error.reason === "unauthenticated") redirect("/sign-in");
      forbidden();
    }
    throw error;
  }
}
