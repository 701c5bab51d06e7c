import { auth } from "@/auth";

/** The signed-in user's id from the session cookie, or null. Tests replace this module. */
export async function sessionUserId(): Promise<string | null> {
  const session = await auth();
  return session?.user?.id ?? null;
}
