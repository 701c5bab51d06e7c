"use client";

import { PageError } from "@/components/shell/page-error";

/** A page that failed on the server, inside the app's frame. */
export default function AppError(props: { error: Error & { digest?: string }; reset: () => void }) {
  return <PageError {...props} />;
}
