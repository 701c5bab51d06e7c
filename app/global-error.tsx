"use client";

/** The last resort when even the root layout fails: plain HTML, no stack trace. */
export default function GlobalError({ error }: { error: Error & { digest?: string } }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: "system-ui, sans-serif", padding: "2.5rem", maxWidth: "32rem" }}>
        <h1 style={{ fontSize: "1.25rem" }}>Something went wrong</h1>
        <p>
          The application could not show this page. Reload to try again; an administrator can find the details
          in the server log
          {error.digest ? ` under the reference ${error.digest}` : ""}.
        </p>
      </body>
    </html>
  );
}
