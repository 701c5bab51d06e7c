import { redirect } from "next/navigation";
import type { Metadata } from "next";
import { countUsers } from "@/lib/users/store";
import { orDatabaseUnavailable } from "@/lib/database-availability";
import { FirstAdminForm } from "@/components/auth/first-admin-form";
import { Card, CardContent, CardHeader } from "@/components/ui/card";

export const metadata: Metadata = { title: "Create the first administrator" };

export default async function SetupPage() {
  // The one-time step disappears as soon as any account exists.
  if ((await orDatabaseUnavailable(countUsers())) > 0) redirect("/sign-in");
  return (
    <Card>
      <CardHeader>
        <h1 className="text-xl font-semibold">Create the first administrator</h1>
        <p className="text-sm text-muted-foreground">
          No account exists yet. The account you create here can manage users and connect Azure DPS.
        </p>
      </CardHeader>
      <CardContent>
        <FirstAdminForm />
      </CardContent>
    </Card>
  );
}
