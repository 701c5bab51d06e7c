"use client";

import { useForm } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { z } from "zod";
import { firstAdminSchema } from "@/lib/validation/user";
import { createFirstAdminAction } from "@/lib/actions/create-first-admin";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { FormField } from "@/components/ui/form-field";
import { AccountFields } from "@/components/users/account-fields";

type Values = z.input<typeof firstAdminSchema>;

export function FirstAdminForm() {
  const router = useRouter();
  const [message, setMessage] = useState<string | null>(null);
  const form = useForm<Values>({
    resolver: zodResolver(firstAdminSchema),
    defaultValues: { email: "", name: "", password: "", confirmPassword: "" },
  });
  const { errors, isSubmitting } = form.formState;

  const onSubmit = form.handleSubmit(async (values) => {
    setMessage(null);
    // On success the action signs the administrator in and redirects; it only returns ok when that sign-in failed.
    const result = await createFirstAdminAction(values);
    if (!result) return;
    if (result.ok) router.push("/sign-in?created=1");
    else setMessage(result.message);
  });

  return (
    <form onSubmit={onSubmit} noValidate className="grid gap-4">
      <AccountFields form={form} idPrefix="" own />
      <FormField id="confirmPassword" label="Repeat the password" error={errors.confirmPassword?.message}>
        {(aria) => (
          <Input
            type="password"
            autoComplete="new-password"
            {...aria}
            {...form.register("confirmPassword")}
          />
        )}
      </FormField>
      <p role="alert" aria-live="assertive" className="text-sm font-medium text-destructive empty:hidden">
        {message ?? ""}
      </p>
      <Button type="submit" disabled={isSubmitting}>
        {isSubmitting ? "Creating…" : "Create administrator"}
      </Button>
    </form>
  );
}
