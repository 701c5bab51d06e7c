import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { signInSchema } from "@/lib/validation/user";
import { authenticate } from "@/lib/auth/authenticate";
import { clientAddressFrom } from "@/lib/auth/client-address";
import { logger } from "@/lib/logger";

/** The lock's end travels in the code (epoch milliseconds), so the sign-in form can say when to try again. */
class ThrottledSignIn extends CredentialsSignin {
  constructor(retryAt: Date) {
    super();
    this.code = `throttled-${retryAt.getTime()}`;
  }
}

class BusySignIn extends CredentialsSignin {
  code = "busy";
}

export const { handlers, auth, signIn, signOut } = NextAuth({
  // A refused sign-in is expected and already audited; Auth.js would log each with a stack trace.
  logger: {
    error(error) {
      if ((error as { type?: string }).type === "CredentialsSignin") return;
      logger.error({ err: { name: error.name, message: error.message } }, "auth error");
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
        const result = await authenticate(
          parsed.data.email,
          parsed.data.password,
          clientAddressFrom(request.headers),
        );
        if (result.ok)
          return { id: result.user.id, email: result.user.email, generation: result.user.sessionGeneration };
        if (result.reason === "throttled") throw new ThrottledSignIn(result.retryAt);
        if (result.reason === "busy") throw new BusySignIn();
        return null;
      },
    }),
  ],
  callbacks: {
    // Only the user id and the session generation travel in the token; role and disabled state are
    // read from the database per request, and a newer generation there ends this session.
    jwt: ({ token, user }) => {
      if (user?.id) {
        token.sub = user.id;
        token.gen = (user as { generation?: number }).generation ?? 0;
      }
      return token;
    },
    session: ({ session, token }) => {
      if (token.sub) session.user.id = token.sub;
      return Object.assign(session, { generation: typeof token.gen === "number" ? token.gen : 0 });
    },
  },
});
