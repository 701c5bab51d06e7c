import { redirect } from "next/navigation";
import type { Metadata } from "next";
import { countUsers } from "@/lib/users/store";
import { orDatabaseUnavailable } from "@/db/availability";
import { getCurrentUser } from "@/lib/auth/current-user";
import { SignInForm } from "@/components/auth/sign-in-form";
import { Card, CardContent, CardHeader } from "@/components/ui/card";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string; created?: string }> }) {
  if ((await orDatabaseUnavailable(countUsers())) === 0) redirect("/setup");
  if (await getCurrentUser()) redirect("/");
  const { callbackUrl, created } = await searchParams;
  return (
    <Card>
      <CardHeader>
        <h1 className="text-xl font-semibold">Sign in</h1>
      </CardHeader>
      <CardContent>
        {created ? <p className="mb-4 rounded-md bg-green-50 p-3 text-sm text-green-900">Administrator created. Sign in with the new account.</p> : null}
        <SignInForm callbackUrl={callbackUrl} />
      </CardContent>
    </Card>
  );
}
