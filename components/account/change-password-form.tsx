"use client";

import { useActionForm } from "@/components/forms/use-action-form";
import { changePasswordSchema } from "@/lib/validation/user";
import { changePasswordAction } from "@/lib/actions/change-password";
import { MIN_PASSWORD_LENGTH } from "@/lib/auth/password-policy";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { FormField } from "@/components/ui/form-field";

export function ChangePasswordForm() {
  const { form, submitTo } = useActionForm(changePasswordSchema, {
    currentPassword: "",
    newPassword: "",
    confirmPassword: "",
  });
  const { errors, isSubmitting } = form.formState;

  // On success the action signs in again with the new password and reloads this page.
  const onSubmit = submitTo(changePasswordAction, () => {});

  return (
    <form onSubmit={onSubmit} noValidate className="grid max-w-md gap-4">
      <FormField id="current-password" label="Current password" error={errors.currentPassword?.message}>
        {(aria) => (
          <Input
            type="password"
            autoComplete="current-password"
            {...aria}
            {...form.register("currentPassword")}
          />
        )}
      </FormField>
      <FormField
        id="new-password"
        label="New password"
        hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
        error={errors.newPassword?.message}
      >
        {(aria) => (
          <Input type="password" autoComplete="new-password" {...aria} {...form.register("newPassword")} />
        )}
      </FormField>
      <FormField
        id="confirm-password"
        label="Repeat the new password"
        error={errors.confirmPassword?.message}
      >
        {(aria) => (
          <Input
            type="password"
            autoComplete="new-password"
            {...aria}
            {...form.register("confirmPassword")}
          />
        )}
      </FormField>
      <div>
        <Button type="submit" disabled={isSubmitting}>
          {isSubmitting ? "Changing…" : "Change password"}
        </Button>
      </div>
    </form>
  );
}
