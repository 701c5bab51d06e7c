"use client";

import { PageError } from "@/components/shell/page-error";

/** A page (or the app's frame itself) that failed on the server, outside the frame. */
export default function RootError(props: { error: Error & { digest?: string }; reset: () => void }) {
  return <PageError {...props} standalone />;
}
