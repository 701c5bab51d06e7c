"use client";

import Link from "next/link";
import { DATABASE_UNAVAILABLE_DIGEST } from "@/db/connection-errors";
import { DatabaseUnavailable } from "@/components/shell/database-unavailable";
import { Button } from "@/components/ui/button";

/**
 * Shown inside the app's frame when a page fails on the server. The message is fixed: the error
 * itself is in the server log (Next.js sends the browser only a digest, never the stack). A
 * database that cannot be reached has a digest of its own and gets its own plain message.
 */
export default function AppError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  if (error.digest === DATABASE_UNAVAILABLE_DIGEST) return <DatabaseUnavailable reset={reset} />;
  return (
    <div className="max-w-lg">
      <h1 className="text-xl font-semibold text-foreground">Something went wrong</h1>
      <p className="mt-2 text-sm text-muted-foreground">
        This page could not be shown. Try again; if it keeps happening, an administrator can find the details in the server log
        {error.digest ? (
          <>
            {" "}
            under the reference <code className="rounded bg-muted px-1">{error.digest}</code>
          </>
        ) : null}
        .
      </p>
      <div className="mt-4 flex gap-3">
        <Button onClick={reset}>Try again</Button>
        <Button asChild variant="secondary">
          <Link href="/">Back to the start page</Link>
        </Button>
      </div>
    </div>
  );
}
