import { NextResponse, type NextRequest } from "next/server";
import { env } from "@/lib/env";
import { isWellFormedActionBody } from "@/lib/security/action-body";

/**
 * A fresh nonce per request lets Next.js's own scripts run while every injected script is refused.
 * A server-action call whose body the app's own pages could not have sent is answered 400 here:
 * React's decoder would throw on it and Next.js would answer 500.
 */
export async function proxy(request: NextRequest) {
  if (request.method === "POST" && request.headers.has("next-action") && !(await isWellFormedActionBody(request.clone()))) {
    return NextResponse.json({ ok: false, message: "Malformed request." }, { status: 400 });
  }
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
      source: "/((?!_next/static|_next/image|favicon.ico|api/devices/import/?$|api/health/?$|api/ready/?$).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
    // A server-action call always goes through the body check above, prefetch headers or not.
    { source: "/((?!api/devices/import/?$).*)", has: [{ type: "header", key: "next-action" }] },
  ],
};
