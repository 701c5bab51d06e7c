"use client";

import { useTransition } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { reconcileRegistrationsAction } from "@/lib/actions/reconcile-registrations";
import { Button } from "@/components/ui/button";

/** Starts a reconciliation on the queue; the page then follows its progress. */
export function ReconcileButton({ busy }: { busy: boolean }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const reconcile = () =>
    startTransition(async () => {
      const result = await reconcileRegistrationsAction({});
      if (result.ok) toast.success(result.message);
      else toast.error(result.message);
      router.refresh();
    });
  return (
    <Button onClick={reconcile} disabled={pending || busy}>
      {pending ? "Starting…" : busy ? "Reconciling…" : "Reconcile now"}
    </Button>
  );
}
