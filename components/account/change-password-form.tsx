"use client";

import { useForm } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { toast } from "sonner";
import { changePasswordSchema, type ChangePasswordInput } from "@/lib/validation/user";
import { changePasswordAction } from "@/lib/actions/change-password";
import { MIN_PASSWORD_LENGTH } from "@/lib/auth/password-policy";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { FormField } from "@/components/ui/form-field";

export function ChangePasswordForm() {
  const form = useForm<ChangePasswordInput>({
    resolver: zodResolver(changePasswordSchema),
    defaultValues: { currentPassword: "", newPassword: "", confirmPassword: "" },
  });
  const { errors, isSubmitting } = form.formState;

  const onSubmit = form.handleSubmit(async (values) => {
    // On success the action signs in again with the new password and reloads this page.
    const result = await changePasswordAction(values);
    if (result.ok) return;
    for (const [field, messages] of Object.entries(result.fieldErrors ?? {})) {
      if (messages?.[0]) form.setError(field as keyof ChangePasswordInput, { message: messages[0] });
    }
    toast.error(result.message);
  });

  return (
    <form onSubmit={onSubmit} noValidate className="grid max-w-md gap-4">
      <FormField id="current-password" label="Current password" error={errors.currentPassword?.message}>
        {(aria) => <Input type="password" autoComplete="current-password" {...aria} {...form.register("currentPassword")} />}
      </FormField>
      <FormField id="new-password" label="New password" hint={`At least ${MIN_PASSWORD_LENGTH} characters.`} error={errors.newPassword?.message}>
        {(aria) => <Input type="password" autoComplete="new-password" {...aria} {...form.register("newPassword")} />}
      </FormField>
      <FormField id="confirm-password" label="Repeat the new password" error={errors.confirmPassword?.message}>
        {(aria) => <Input type="password" autoComplete="new-password" {...aria} {...form.register("confirmPassword")} />}
      </FormField>
      <div>
        <Button type="submit" disabled={isSubmitting}>
          {isSubmitting ? "Changing…" : "Change password"}
        </Button>
      </div>
    </form>
  );
}
