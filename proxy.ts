import { NextResponse, type NextRequest } from "next/server";
import { env } from "@/lib/env";
import { databaseSeemsAvailable } from "@/lib/database-availability";
import { isWellFormedActionBody } from "@/lib/security/action-body";

/**
 * While this server finds its database away, a page request (a document, not the app's own
 * background fetches or an API call) gets a plain 503 page from here: readable without
 * JavaScript, with a Retry-After, until one quick query says the database is back
 * (lib/database-availability.ts). A small script asks for the page again every few seconds and shows it
 * once it is no longer this 503 (no timed meta refresh: it would reload under a reader's eyes).
 * Costs nothing while the database is up.
 */
async function databaseUnavailablePage(request: NextRequest): Promise<Response | null> {
  if (request.method !== "GET" || request.headers.has("rsc") || request.nextUrl.pathname.startsWith("/api/"))
    return null;
  if (await databaseSeemsAvailable()) return null;
  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  return new Response(databaseUnavailableHtml(nonce), {
    status: 503,
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Retry-After": "5",
      "Cache-Control": "no-store",
      "Content-Security-Policy": `default-src 'none'; script-src 'nonce-${nonce}'; connect-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    },
  });
}

const databaseUnavailableHtml = (nonce: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Database unavailable · Hyperscaler Integration Center</title></head>
<body style="font-family: system-ui, sans-serif; margin: 0; color: #0f172a; background: #fff">
<main style="max-width: 32rem; margin: 0 auto; padding: 2.5rem 1.5rem">
<h1 style="font-size: 1.25rem">The database is unavailable</h1>
<p style="color: #475569">The app cannot reach its database right now, for example while the database restarts. Nothing is lost: the app reconnects by itself, and provisioning carries on where it stopped.</p>
<p style="color: #475569">This page tries again every few seconds.</p>
</main>
<script nonce="${nonce}">setInterval(function () { fetch(location.href, { cache: "no-store" }).then(function (r) { if (r.status !== 503) location.reload(); }, function () {}); }, 5000);</script>
</body></html>`;

/**
 * A fresh nonce per request lets Next.js's own scripts run while every injected script is refused.
 * A server-action call whose body the app's own pages could not have sent is answered 400 here:
 * React's decoder would throw on it and Next.js would answer 500.
 */
export async function proxy(request: NextRequest) {
  if (
    request.method === "POST" &&
    request.headers.has("next-action") &&
    !(await isWellFormedActionBody(request.clone()))
  ) {
    return NextResponse.json({ ok: false, message: "Malformed request." }, { status: 400 });
  }
  const unavailable = await databaseUnavailablePage(request);
  if (unavailable) return unavailable;
  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const isDev = env().NODE_ENV === "development";
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${isDev ? " 'unsafe-eval'" : ""}`,
    // Radix, recharts and sonner set element styles at run time.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");

  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", csp);
  return response;
}

export const config = {
  matcher: [
    {
      // Not the CSV import: a route the proxy runs for gets its request body buffered by Next.js and
      // cut at 10 MB. That route answers JSON only, so it needs no CSP. Nor the health checks: probes
      // come every few seconds from every balancer, and answer JSON only.
      source:
        "/((?!_next/static|_next/image|favicon.ico|api/devices/import/?$|api/health/?$|api/ready/?$).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
    // A server-action call always goes through the body check above, prefetch headers or not.
    { source: "/((?!api/devices/import/?$).*)", has: [{ type: "header", key: "next-action" }] },
  ],
};
