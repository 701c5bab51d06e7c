"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import type { ActionResult } from "@/lib/actions/result";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from "@/components/ui/dialog";
import { ConfirmFooter } from "./confirm-footer";

/**
 * A dialog that asks before an action with consequences, says what it will do, runs the action and toasts
 * its answer; it closes only when the action succeeded, so a refusal can be read and tried again.
 */
export function ConfirmActionDialog({
  trigger,
  title,
  description,
  children,
  label,
  pendingLabel,
  run,
  successMessage,
  refresh = false,
  variant = "destructive",
}: {
  /** The button that opens it. */
  trigger: React.ReactNode;
  title: React.ReactNode;
  description: React.ReactNode;
  /** More to read below the description. */
  children?: React.ReactNode;
  label: string;
  pendingLabel: string;
  run: () => Promise<ActionResult<unknown>>;
  /** Toasted when the action succeeds without a message of its own. */
  successMessage?: string;
  /** Reload the page's data after the answer, success or not (a list the action changed). */
  refresh?: boolean;
  /** The confirm button's look: destructive unless the action undoes nothing. */
  variant?: "default" | "destructive";
}) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [pending, startTransition] = useTransition();
  const confirm = () =>
    startTransition(async () => {
      const result = await run();
      if (result.ok) {
        toast.success(result.message ?? successMessage);
        setOpen(false);
      } else toast.error(result.message);
      if (refresh) router.refresh();
    });
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>{trigger}</DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>{title}</DialogTitle>
          <DialogDescription>{description}</DialogDescription>
        </DialogHeader>
        {children}
        <ConfirmFooter
          variant={variant}
          label={label}
          pendingLabel={pendingLabel}
          pending={pending}
          onConfirm={confirm}
        />
      </DialogContent>
    </Dialog>
  );
}
