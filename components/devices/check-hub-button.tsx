"use client";

import { useTransition } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { checkHubConnectionAction } from "@/lib/actions/check-hub-connection";
import { Button } from "@/components/ui/button";

/** "Check hub connection": connects to the device's hub as the device, now; the page then shows the result. */
export function CheckHubButton({ deviceId, disabled }: { deviceId: number; disabled?: boolean }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const check = () =>
    startTransition(async () => {
      const result = await checkHubConnectionAction({ deviceId });
      if (result.ok) toast.success(result.message);
      else toast.error(result.message);
      router.refresh();
    });
  return (
    <Button variant="secondary" onClick={check} disabled={pending || disabled}>
      {pending ? "Checking hub connection…" : "Check hub connection"}
    </Button>
  );
}
