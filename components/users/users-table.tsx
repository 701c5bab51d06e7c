"use client";

import { useTransition } from "react";
import { toast } from "sonner";
import type { UserListItemDto } from "@/lib/users/user-dto";
import { ROLES, ROLE_LABELS, type Role } from "@/lib/auth/permissions";
import { setUserRoleAction } from "@/lib/actions/set-user-role";
import { setUserDisabledAction } from "@/lib/actions/set-user-disabled";
import { unlockUserAction } from "@/lib/actions/unlock-user";
import { endUserSessionsAction } from "@/lib/actions/end-user-sessions";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { Select } from "@/components/ui/select";
import { SelectOptions } from "@/components/ui/select-options";
import { Button } from "@/components/ui/button";
import { Badge } from "@/components/ui/badge";
import { formatDateTime } from "@/lib/format";

export function UsersTable({ users, currentUserId }: { users: UserListItemDto[]; currentUserId: string }) {
  const [pending, startTransition] = useTransition();

  const run = (work: () => Promise<{ ok: boolean; message?: string }>) =>
    startTransition(async () => {
      const result = await work();
      if (result.ok) toast.success(result.message ?? "Saved.");
      else toast.error(result.message ?? "Not saved.");
    });

  return (
    <Table aria-label="Users">
      <TableHeader>
        <tr>
          <TableHead>Email</TableHead>
          <TableHead>Name</TableHead>
          <TableHead>Role</TableHead>
          <TableHead>Status</TableHead>
          <TableHead>Last sign-in</TableHead>
          <TableHead>
            <span className="sr-only">Actions</span>
          </TableHead>
        </tr>
      </TableHeader>
      <TableBody>
        {users.map((user) => (
          <TableRow key={user.id}>
            <TableCell className="font-medium">{user.email}</TableCell>
            <TableCell>{user.name ?? "—"}</TableCell>
            <TableCell>
              <Select
                aria-label={`Role of ${user.email}`}
                value={user.role}
                disabled={pending}
                onChange={(e) =>
                  run(() => setUserRoleAction({ userId: user.id, role: e.target.value as Role }))
                }
              >
                <SelectOptions values={ROLES} label={(role) => ROLE_LABELS[role]} />
              </Select>
            </TableCell>
            <TableCell>
              <div className="flex flex-wrap gap-1">
                {user.disabled ? <Badge tone="danger">Disabled</Badge> : <Badge tone="success">Active</Badge>}
                {user.lockedUntil ? (
                  <Badge
                    tone="warning"
                    title={`After repeated wrong passwords; lifts at ${formatDateTime(user.lockedUntil)}`}
                  >
                    Locked until {formatDateTime(user.lockedUntil).slice(11, 16)} UTC
                  </Badge>
                ) : null}
              </div>
            </TableCell>
            <TableCell>{user.lastSignInAt ? formatDateTime(user.lastSignInAt) : "Never"}</TableCell>
            <TableCell className="text-right">
              <div className="flex flex-wrap justify-end gap-2">
                {user.lockedUntil ? (
                  <Button
                    variant="secondary"
                    size="sm"
                    disabled={pending}
                    aria-label={`Unlock ${user.email}`}
                    onClick={() => run(() => unlockUserAction({ userId: user.id }))}
                  >
                    Unlock
                  </Button>
                ) : null}
                {user.id === currentUserId ? (
                  <span className="self-center text-xs text-muted-foreground">You</span>
                ) : (
                  <>
                    <Button
                      variant="secondary"
                      size="sm"
                      disabled={pending}
                      aria-label={`Sign out everywhere for ${user.email}`}
                      onClick={() => run(() => endUserSessionsAction({ userId: user.id }))}
                    >
                      Sign out everywhere
                    </Button>
                    <Button
                      variant={user.disabled ? "secondary" : "destructive"}
                      size="sm"
                      disabled={pending}
                      aria-label={`${user.disabled ? "Enable" : "Disable"} ${user.email}`}
                      onClick={() =>
                        run(() => setUserDisabledAction({ userId: user.id, disabled: !user.disabled }))
                      }
                    >
                      {user.disabled ? "Enable" : "Disable"}
                    </Button>
                  </>
                )}
              </div>
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
