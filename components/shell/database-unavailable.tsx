"use client";

import { useRouter } from "next/navigation";
import { startTransition, useEffect } from "react";

const RETRY_EVERY_MS = 5_000;

/**
 * What a page shows while the database cannot be reached (it is restarting, or the server is
 * away): what happened in plain words, and that nothing needs doing. The page tries again by
 * itself every few seconds and shows itself again once the database answers.
 */
export function DatabaseUnavailable({ reset, standalone }: { reset: () => void; standalone?: boolean }) {
  const router = useRouter();
  useEffect(() => {
    const timer = setInterval(() => {
      startTransition(() => {
        router.refresh();
        reset();
      });
    }, RETRY_EVERY_MS);
    return () => clearInterval(timer);
  }, [reset, router]);
  const Wrapper = standalone ? "main" : "div";
  return (
    <Wrapper className="mx-auto max-w-lg p-6 sm:p-10" aria-live="polite">
      <h1 className="text-xl font-semibold">The database is unavailable</h1>
      <p className="mt-2 text-muted-foreground">
        The app cannot reach its database right now, for example while the database restarts. Nothing is lost:
        the app reconnects by itself, and provisioning carries on where it stopped.
      </p>
      <p className="mt-2 text-muted-foreground">This page tries again every few seconds.</p>
    </Wrapper>
  );
}
