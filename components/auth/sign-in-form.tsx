"use client";

import { useForm } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { useState } from "react";
import type { z } from "zod";
import { signInSchema } from "@/lib/validation/user";
import { signInAction } from "@/lib/actions/sign-in";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { FormField } from "@/components/ui/form-field";

type Values = z.input<typeof signInSchema>;

export function SignInForm({ callbackUrl }: { callbackUrl?: string }) {
  const [message, setMessage] = useState<string | null>(null);
  const form = useForm<Values>({
    resolver: zodResolver(signInSchema),
    defaultValues: { email: "", password: "" },
  });
  const { errors, isSubmitting } = form.formState;

  const onSubmit = form.handleSubmit(async (values) => {
    setMessage(null);
    const result = await signInAction({ ...values, callbackUrl });
    if (!result.ok) setMessage(result.message);
  });

  return (
    <form onSubmit={onSubmit} noValidate className="grid gap-4">
      <FormField id="email" label="Email" error={errors.email?.message}>
        {(aria) => <Input type="email" autoComplete="username" {...aria} {...form.register("email")} />}
      </FormField>
      <FormField id="password" label="Password" error={errors.password?.message}>
        {(aria) => (
          <Input type="password" autoComplete="current-password" {...aria} {...form.register("password")} />
        )}
      </FormField>
      <p role="alert" aria-live="assertive" className="text-sm font-medium text-red-700 empty:hidden">
        {message ?? ""}
      </p>
      <Button type="submit" disabled={isSubmitting}>
        {isSubmitting ? "Signing in…" : "Sign in"}
      </Button>
    </form>
  );
}
