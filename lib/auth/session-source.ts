import { auth } from "@/auth";

export type SessionClaims = { userId: string; generation: number };

/** Who the session cookie says is signed in, and which of their session generations issued it. Tests replace this module. */
export async function sessionClaims(): Promise<SessionClaims | null> {
  const session = await auth();
  const id = session?.user?.id;
  if (!id) return null;
  const generation = (session as { generation?: unknown }).generation;
  // A token from before session generations existed counts as generation 0.
  return { userId: id, generation: typeof generation === "number" ? generation : 0 };
}
