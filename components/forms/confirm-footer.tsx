"use client";

import { Button } from "@/components/ui/button";
import { DialogClose, DialogFooter } from "@/components/ui/dialog";

/** The footer of a dialog that asks before acting: Cancel, and the action, which says when it is under way. */
export function ConfirmFooter({
  label,
  pendingLabel,
  pending,
  onConfirm,
  variant = "default",
}: {
  label: string;
  pendingLabel: string;
  pending: boolean;
  onConfirm: () => void;
  variant?: "default" | "destructive";
}) {
  return (
    <DialogFooter>
      <DialogClose asChild>
        <Button variant="secondary" disabled={pending}>
          Cancel
        </Button>
      </DialogClose>
      <Button variant={variant} onClick={onConfirm} disabled={pending}>
        {pending ? pendingLabel : label}
      </Button>
    </DialogFooter>
  );
}
