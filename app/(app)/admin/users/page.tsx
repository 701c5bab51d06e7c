import type { Metadata } from "next";
import { guardPage } from "@/lib/auth/guard-page";
import { listUsersForAdmin } from "@/lib/users/users-dal";
import { PageHeader } from "@/components/shell/page-header";
import { UsersTable } from "@/components/users/users-table";
import { AddUserDialog } from "@/components/users/add-user-dialog";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage() {
  const me = await guardPage("users.manage");
  const users = await listUsersForAdmin();
  return (
    <>
      <PageHeader
        title="Users"
        description="Administrators manage the integration and users; operators add and provision devices; support staff can look but not change anything."
        actions={<AddUserDialog />}
      />
      <UsersTable users={users} currentUserId={me.id} />
    </>
  );
}
