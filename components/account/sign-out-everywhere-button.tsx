"use client";

import { useTransition } from "react";
import { toast } from "sonner";
import { signOutEverywhereAction } from "@/lib/actions/sign-out-everywhere";
import { Button } from "@/components/ui/button";

export function SignOutEverywhereButton() {
  const [pending, startTransition] = useTransition();
  return (
    <Button
      variant="secondary"
      disabled={pending}
      onClick={() =>
        startTransition(async () => {
          // On success the action redirects to the sign-in page.
          const result = await signOutEverywhereAction({});
          if (!result.ok) toast.error(result.message);
        })
      }
    >
      {pending ? "Signing out…" : "Sign out everywhere"}
    </Button>
  );
}
