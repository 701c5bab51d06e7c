"use client";

import { useForm, type DefaultValues, type FieldValues, type Path } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { toast } from "sonner";
import type { z } from "zod";
import type { ActionRefusal, ActionResult } from "@/lib/actions/result";

type Success<T> = Extract<ActionResult<T>, { ok: true }>;

/**
 * A react-hook-form form for an entity's zod schema that submits to a server action. The browser
 * checks the fields with the schema first; the action receives the raw values and parses them with
 * the same schema. A refusal shows each of its field errors at the field and its message in a
 * toast, unless the caller handles refusals itself (and may still call `showRefusal`).
 */
export function useActionForm<S extends z.ZodType<FieldValues, FieldValues>>(
  schema: S,
  defaultValues: DefaultValues<z.input<S>>,
) {
  const form = useForm<z.input<S>, unknown, z.output<S>>({ resolver: zodResolver(schema), defaultValues });

  const showRefusal = (result: ActionRefusal<unknown>) => {
    for (const [field, messages] of Object.entries(result.fieldErrors ?? {})) {
      if (messages?.[0]) form.setError(field as Path<z.input<S>>, { message: messages[0] });
    }
    toast.error(result.message);
  };

  const submitTo = <T>(
    action: (values: z.input<S>) => Promise<ActionResult<T>>,
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
