"use client";

import { useForm, type FieldValues, type Path, type UseFormProps } from "react-hook-form";
import { toast } from "sonner";
import type { ActionRefusal, ActionResult } from "@/lib/actions/result";

type Success<T> = Extract<ActionResult<T>, { ok: true }>;

/**
 * A react-hook-form form that submits to a server action. The browser checks the fields with the
 * schema first; the action receives the raw values and parses them with the same schema. A refusal
 * shows each of its field errors at the field and its message in a toast, unless the caller handles
 * refusals itself (and may still call `showRefusal`).
 */
export function useActionForm<TValues extends FieldValues, TParsed = TValues>(options: UseFormProps<TValues, unknown, TParsed>) {
  const form = useForm<TValues, unknown, TParsed>(options);

  const showRefusal = (result: ActionRefusal<unknown>) => {
    for (const [field, messages] of Object.entries(result.fieldErrors ?? {})) {
      if (messages?.[0]) form.setError(field as Path<TValues>, { message: messages[0] });
    }
    toast.error(result.message);
  };

  const submitTo = <T>(
    action: (values: TValues) => Promise<ActionResult<T>>,
    onDone: (result: Success<T>) => void,
    onRefused: (result: ActionRefusal<T>) => void = showRefusal,
  ) =>
    form.handleSubmit(async () => {
      const result = await action(form.getValues());
      if (result.ok) onDone(result);
      else onRefused(result);
    });

  return { form, submitTo, showRefusal };
}
