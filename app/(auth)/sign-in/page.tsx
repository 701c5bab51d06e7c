import { redirect } from "next/navigation";
import type { Metadata } from "next";
import { countUsers } from "@/lib/users/store";
import { orDatabaseUnavailable } from "@/lib/database-availability";
import { getCurrentUser } from "@/lib/auth/current-user";
import { lockMessage, retryAtFromCode } from "@/lib/auth/lock-message";
import { SignInForm } from "@/components/auth/sign-in-form";
import { Card, CardContent, CardHeader } from "@/components/ui/card";

export const metadata: Metadata = { title: "Sign in" };

type Params = Record<string, string | string[] | undefined>;

function one(value: string | string[] | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** What Auth.js's own redirect (`?error=CredentialsSignin&code=…`, after a form post to its route) means in words. */
function errorMessage(params: Params): string | null {
  const code = one(params.code) ?? "";
  if (code.startsWith("throttled")) return lockMessage(retryAtFromCode(code));
  if (code === "busy") return "The server is busy checking other sign-ins. Try again in a moment.";
  return one(params.error) ? "Wrong email or password." : null;
}

export default async function SignInPage({ searchParams }: { searchParams: Promise<Params> }) {
  if ((await orDatabaseUnavailable(countUsers())) === 0) redirect("/setup");
  if (await getCurrentUser()) redirect("/");
  const params = await searchParams;
  const callbackUrl = one(params.callbackUrl);
  const created = one(params.created);
  const error = errorMessage(params);
  return (
    <Card>
      <CardHeader>
        <h1 className="text-xl font-semibold">Sign in</h1>
      </CardHeader>
      <CardContent>
        {created ? (
          <p className="mb-4 rounded-md bg-green-50 p-3 text-sm text-green-900">
            Administrator created. Sign in with the new account.
          </p>
        ) : null}
        {one(params["signed-out"]) === "everywhere" ? (
          <p className="mb-4 rounded-md bg-green-50 p-3 text-sm text-green-900">
            You are signed out on every device.
          </p>
        ) : null}
        {error ? (
          <p role="alert" className="mb-4 rounded-md bg-red-50 p-3 text-sm text-red-900">
            {error}
          </p>
        ) : null}
        <SignInForm callbackUrl={callbackUrl} />
      </CardContent>
    </Card>
  );
}
