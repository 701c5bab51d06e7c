"use client";

import { useTransition } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import type { ActionResult } from "@/lib/actions/result";
import { Button } from "@/components/ui/button";

/** Puts a run on the queue and toasts the answer; the page then follows its progress. */
export function StartRunButton({
  busy,
  start,
  label,
  busyLabel,
}: {
  /** A run is queued or running already. */
  busy: boolean;
  start: () => Promise<ActionResult<unknown>>;
  label: string;
  busyLabel: string;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const run = () =>
    startTransition(async () => {
      const result = await start();
      if (result.ok) toast.success(result.message);
      else toast.error(result.message);
      router.refresh();
    });
  return (
    <Button onClick={run} disabled={pending || busy}>
      {pending ? "Starting…" : busy ? busyLabel : label}
    </Button>
  );
}
