import type { Metadata } from "next";
import { guardPage } from "@/lib/auth/guard-page";
import { ROLE_LABELS } from "@/lib/auth/permissions";
import { PageHeader } from "@/components/shell/page-header";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Alert } from "@/components/ui/alert";
import { ChangePasswordForm } from "@/components/account/change-password-form";
import { SignOutEverywhereButton } from "@/components/account/sign-out-everywhere-button";

export const metadata: Metadata = { title: "Your account" };

export default async function AccountPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const me = await guardPage();
  const changed = (await searchParams)["password-changed"] === "1";
  return (
    <>
      <PageHeader title="Your account" description={`${me.email} · ${ROLE_LABELS[me.role]}`} />
      <div className="grid max-w-2xl gap-6">
        {changed ? (
          <Alert tone="success">Password changed. Sessions on other devices are signed out.</Alert>
        ) : null}
        <Card>
          <CardHeader>
            <CardTitle>Change password</CardTitle>
          </CardHeader>
          <CardContent>
            <ChangePasswordForm />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Sessions</CardTitle>
          </CardHeader>
          <CardContent className="grid gap-3 text-sm text-slate-700">
            <p>
              Signs you out on every device and browser, this one included. Use it when a device is lost or a
              session may have been taken over.
            </p>
            <div>
              <SignOutEverywhereButton />
            </div>
          </CardContent>
        </Card>
      </div>
    </>
  );
}
