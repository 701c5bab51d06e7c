import type { Metadata } from "next";
import { guardPage } from "@/lib/auth/guard-page";
import { listUsersForAdmin } from "@/lib/users/users-dal";
import { PageHeader } from "@/components/shell/page-header";
import { UsersTable } from "@/components/users/users-table";
import { AddUserDialog } from "@/components/users/add-user-dialog";
import { untrustedForwardingSeen } from "@/lib/auth/client-address";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage() {
  const me = await guardPage("users.manage");
  const users = await listUsersForAdmin();
  const forwarding = untrustedForwardingSeen();
  return (
    <>
      <PageHeader
        title="Users"
        description="Administrators manage the integration and users; operators add and provision devices; support staff can look but not change anything."
        actions={<AddUserDialog />}
      />
      {forwarding ? (
        <p role="note" className="mb-4 rounded-md bg-amber-50 p-3 text-sm text-amber-900">
          Requests arrive with an <code>X-Forwarded-For</code> header from {forwarding.socket}, which is not
          in <code>HIC_TRUSTED_PROXIES</code>, so the header is ignored. If that is your reverse proxy, list
          it there: until then every client behind it shares one address, and one sign-in throttle count.
        </p>
      ) : null}
      <UsersTable users={users} currentUserId={me.id} />
    </>
  );
}
