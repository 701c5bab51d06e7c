"use client";

import type { FieldValues, Path, UseFormReturn } from "react-hook-form";
import { MIN_PASSWORD_LENGTH } from "@/lib/auth/password-policy";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";

type AccountValues = { email: string; name?: string; password: string };

/**
 * A new account's email, optional name and password, for the first administrator (`own`: the
 * browser may offer to remember them) and for a user an administrator adds.
 */
export function AccountFields<T extends FieldValues & AccountValues>({
  form,
  idPrefix,
  own,
}: {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the parsed output type does not matter here
  form: UseFormReturn<T, unknown, any>;
  idPrefix: string;
  own: boolean;
}) {
  const field = (name: keyof AccountValues) => {
    const path = name as Path<T>;
    return {
      registration: form.register(path),
      error: form.getFieldState(path, form.formState).error?.message,
    };
  };
  const email = field("email");
  const name = field("name");
  const password = field("password");
  return (
    <>
      <FormField id={`${idPrefix}email`} label="Email" error={email.error}>
        {(aria) => (
          <Input type="email" autoComplete={own ? "username" : "off"} {...aria} {...email.registration} />
        )}
      </FormField>
      <FormField id={`${idPrefix}name`} label="Name (optional)" error={name.error}>
        {(aria) => <Input autoComplete={own ? "name" : "off"} {...aria} {...name.registration} />}
      </FormField>
      <FormField
        id={`${idPrefix}password`}
        label="Password"
        hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
        error={password.error}
      >
        {(aria) => <Input type="password" autoComplete="new-password" {...aria} {...password.registration} />}
      </FormField>
    </>
  );
}
