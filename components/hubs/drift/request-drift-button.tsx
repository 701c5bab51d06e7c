"use client";

import { useTransition } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { requestHubDriftAction } from "@/lib/actions/request-hub-drift";
import { Button } from "@/components/ui/button";

/** Starts a drift check on the queue; the page then follows its progress. */
export function RequestDriftButton({ busy }: { busy: boolean }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const start = () =>
    startTransition(async () => {
      const result = await requestHubDriftAction({});
      if (result.ok) toast.success(result.message);
      else toast.error(result.message);
      router.refresh();
    });
  return (
    <Button onClick={start} disabled={pending || busy}>
      {pending ? "Starting…" : busy ? "Checking hubs…" : "Check hubs now"}
    </Button>
  );
}
