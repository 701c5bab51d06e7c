import { auth } from "@/auth";

/** `sessionId` names this one session (null in tokens from before sessions had ids); `expiresAt` in epoch seconds. */
export type SessionClaims = {
  userId: string;
  generation: number;
  sessionId?: string | null;
  expiresAt?: number | null;
};

/** Who the session cookie says is signed in, and which of their session generations issued it. Tests replace this module. */
export async function sessionClaims(): Promise<SessionClaims | null> {
  const session = await auth();
  const id = session?.user?.id;
  if (!id) return null;
  const { generation, sessionId, sessionExpiresAt } = session as {
    generation?: unknown;
    sessionId?: unknown;
    sessionExpiresAt?: unknown;
  };
  return {
    userId: id,
    // A token from before session generations existed counts as generation 0.
    generation: typeof generation === "number" ? generation : 0,
    sessionId: typeof sessionId === "string" ? sessionId : null,
    expiresAt: typeof sessionExpiresAt === "number" ? sessionExpiresAt : null,
  };
}
