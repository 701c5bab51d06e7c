"use client";

import Link from "next/link";
import { DATABASE_UNAVAILABLE_DIGEST } from "@/db/connection-errors";
import { DatabaseUnavailable } from "@/components/shell/database-unavailable";
import { Button } from "@/components/ui/button";

/**
 * What a page that failed on the server shows. Next.js sends the browser only the error's digest,
 * never its message or stack: a database that cannot be reached has a digest of its own
 * (db/connection-errors.ts) and gets its own plain message; anything else a fixed one that names
 * the digest for the server log. `standalone`: outside the app's frame (its own `main`).
 */
export function PageError({
  error,
  reset,
  standalone = false,
}: {
  error: Error & { digest?: string };
  reset: () => void;
  standalone?: boolean;
}) {
  if (error.digest === DATABASE_UNAVAILABLE_DIGEST)
    return <DatabaseUnavailable reset={reset} standalone={standalone} />;
  const content = (
    <>
      <h1 className="text-xl font-semibold text-foreground">Something went wrong</h1>
      <p className="mt-2 text-sm text-muted-foreground">
        This page could not be shown. Try again; if it keeps happening, an administrator can find the details
        in the server log
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
    </>
  );
  return standalone ? (
    <main className="mx-auto max-w-lg p-6 sm:p-10">{content}</main>
  ) : (
    <div className="max-w-lg">{content}</div>
  );
}
