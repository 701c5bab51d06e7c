import { randomUUID } from "node:crypto";
import NextAuth, { CredentialsSignin } from "next-auth";
import { cookies } from "next/headers";
import Credentials from "next-auth/providers/credentials";
import { signInSchema } from "@/lib/validation/user";
import { authenticate } from "@/lib/auth/authenticate";
import { clientAddressFrom } from "@/lib/auth/client-address";
import { logger } from "@/lib/logger";
import { endSession } from "@/lib/auth/ended-sessions";
import {
  DEVICE_COOKIE,
  DEVICE_COOKIE_MAX_AGE_SECONDS,
  deviceCookieFrom,
  deviceIdFor,
  issueDeviceCookie,
} from "@/lib/auth/device-cookie";

/** After a successful sign-in this browser is one the account knows (see device-cookie.ts). */
async function rememberDevice(email: string, secure: boolean): Promise<void> {
  const value = issueDeviceCookie(email);
  if (!value) return;
  try {
    (await cookies()).set(DEVICE_COOKIE, value, {
      httpOnly: true,
      sameSite: "lax",
      secure,
      path: "/",
      maxAge: DEVICE_COOKIE_MAX_AGE_SECONDS,
    });
  } catch (error) {
    // Outside a request that may set cookies the sign-in still stands; only the memory is lost.
    logger.warn({ err: { message: (error as Error).message } }, "could not set the device cookie");
  }
}

/** The lock's end travels in the code (epoch milliseconds), so the sign-in form can say when to try again. */
class ThrottledSignIn extends CredentialsSignin {
  constructor(retryAt: Date) {
    super();
    this.code = `throttled-${retryAt.getTime()}`;
  }
}

/** Auth.js error types caused by what the client sent (see @auth/core's errors). */
const CLIENT_ERRORS = new Set([
  "MissingCSRF",
  "InvalidCheck",
  "UnknownAction",
  "InvalidCallbackUrl",
  // A session cookie that does not decrypt: tampered with, or signed under another AUTH_SECRET.
  "JWTSessionError",
]);

class BusySignIn extends CredentialsSignin {
  code = "busy";
}

export const { handlers, auth, signIn, signOut } = NextAuth({
  // A refused sign-in is expected and already audited; Auth.js would log each with a stack trace.
  logger: {
    error(error) {
      const type = (error as { type?: string }).type ?? "";
      if (type === "CredentialsSignin") return;
      // A request Auth.js refuses for what the client sent (a forged or missing CSRF token, an
      // unknown action) is the client's mistake or an attack, not the server's error.
      if (CLIENT_ERRORS.has(type)) {
        logger.warn({ err: { type, message: error.message } }, "auth request refused");
        return;
      }
      logger.error({ err: { name: error.name, type, message: error.message } }, "auth error");
    },
  },
  // The launcher serves on whatever host the operator chooses; Auth.js must trust the Host header.
  trustHost: true,
  session: { strategy: "jwt", maxAge: 8 * 60 * 60 },
  pages: { signIn: "/sign-in" },
  providers: [
    Credentials({
      credentials: { email: {}, password: {} },
      authorize: async (credentials, request) => {
        const parsed = signInSchema.safeParse(credentials);
        if (!parsed.success) return null;
        const deviceId = deviceIdFor(deviceCookieFrom(request.headers.get("cookie")), parsed.data.email);
        const result = await authenticate(
          parsed.data.email,
          parsed.data.password,
          clientAddressFrom(request.headers),
          "sign-in",
          deviceId,
        );
        if (result.ok) {
          await rememberDevice(result.user.email, new URL(request.url).protocol === "https:");
          return { id: result.user.id, email: result.user.email, generation: result.user.sessionGeneration };
        }
        if (result.reason === "throttled") throw new ThrottledSignIn(result.retryAt);
        if (result.reason === "busy") throw new BusySignIn();
        return null;
      },
    }),
  ],
  events: {
    // Signing out (the app's button or Auth.js's own sign-out route) ends the session on the
    // server too: a copy of its cookie is refused from now on, not only until it expires.
    signOut: async (message) => {
      const token = "token" in message ? message.token : null;
      if (typeof token?.sid === "string")
        await endSession(token.sid, typeof token.exp === "number" ? token.exp : null);
    },
  },
  callbacks: {
    // Only the user id, the session generation and this session's id travel in the token; role and
    // disabled state are read from the database per request, a newer generation there ends every
    // session of the user, and an ended session id (sign-out) ends this one.
    jwt: ({ token, user }) => {
      if (user?.id) {
        token.sub = user.id;
        token.gen = (user as { generation?: number }).generation ?? 0;
        token.sid = randomUUID();
      }
      return token;
    },
    session: ({ session, token }) => {
      if (token.sub) session.user.id = token.sub;
      return Object.assign(session, {
        generation: typeof token.gen === "number" ? token.gen : 0,
        sessionId: typeof token.sid === "string" ? token.sid : null,
        sessionExpiresAt: typeof token.exp === "number" ? token.exp : null,
      });
    },
  },
});
