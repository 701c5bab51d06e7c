"use client";

import { useState } from "react";
import { toast } from "sonner";
import { newUserSchema } from "@/lib/validation/user";
import { createUserAction } from "@/lib/actions/create-user";
import { ROLES, ROLE_LABELS } from "@/lib/auth/permissions";
import { useActionForm } from "@/components/forms/use-action-form";
import { Button } from "@/components/ui/button";
import { Select } from "@/components/ui/select";
import { SelectOptions } from "@/components/ui/select-options";
import { FormField } from "@/components/ui/form-field";
import { AccountFields } from "./account-fields";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from "@/components/ui/dialog";

export function AddUserDialog() {
  const [open, setOpen] = useState(false);
  const { form, submitTo } = useActionForm(newUserSchema, {
    email: "",
    name: "",
    password: "",
    role: "operator",
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
          <AccountFields form={form} idPrefix="new-user-" own={false} />
          <FormField id="new-user-role" label="Role" error={errors.role?.message}>
            {(aria) => (
              <Select {...aria} {...form.register("role")}>
                <SelectOptions values={ROLES} label={(role) => ROLE_LABELS[role]} />
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
