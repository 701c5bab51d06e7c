"use client";

import { useState } from "react";
import { zodResolver } from "@hookform/resolvers/zod";
import { toast } from "sonner";
import type { z } from "zod";
import { newUserSchema } from "@/lib/validation/user";
import { createUserAction } from "@/lib/actions/create-user";
import { ROLES, ROLE_LABELS } from "@/lib/auth/permissions";
import { MIN_PASSWORD_LENGTH } from "@/lib/auth/password-policy";
import { useActionForm } from "@/components/forms/use-action-form";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { FormField } from "@/components/ui/form-field";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";

type Values = z.input<typeof newUserSchema>;

export function AddUserDialog() {
  const [open, setOpen] = useState(false);
  const { form, submitTo } = useActionForm<Values, z.output<typeof newUserSchema>>({
    resolver: zodResolver(newUserSchema),
    defaultValues: { email: "", name: "", password: "", role: "operator" },
  });
  const { errors, isSubmitting } = form.formState;

  const onSubmit = submitTo(createUserAction, (result) => {
    toast.success(result.message);
    form.reset();
    setOpen(false);
  });

  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button>Add user</Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Add user</DialogTitle>
          <DialogDescription>The user signs in with this email and password.</DialogDescription>
        </DialogHeader>
        <form onSubmit={onSubmit} noValidate className="grid gap-4">
          <FormField id="new-user-email" label="Email" error={errors.email?.message}>
            {(aria) => <Input type="email" autoComplete="off" {...aria} {...form.register("email")} />}
          </FormField>
          <FormField id="new-user-name" label="Name (optional)" error={errors.name?.message}>
            {(aria) => <Input autoComplete="off" {...aria} {...form.register("name")} />}
          </FormField>
          <FormField id="new-user-password" label="Password" hint={`At least ${MIN_PASSWORD_LENGTH} characters.`} error={errors.password?.message}>
            {(aria) => <Input type="password" autoComplete="new-password" {...aria} {...form.register("password")} />}
          </FormField>
          <FormField id="new-user-role" label="Role" error={errors.role?.message}>
            {(aria) => (
              <Select {...aria} {...form.register("role")}>
                {ROLES.map((role) => (
                  <option key={role} value={role}>
                    {ROLE_LABELS[role]}
                  </option>
                ))}
              </Select>
            )}
          </FormField>
          <DialogFooter>
            <Button type="submit" disabled={isSubmitting}>
              {isSubmitting ? "Creating…" : "Create user"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
