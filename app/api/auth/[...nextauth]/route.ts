import { NextResponse, type NextRequest } from "next/server";
import { handlers } from "@/auth";
import { BUSY_RETRY_AFTER_SECONDS } from "@/lib/auth/argon2-gate";

export const { GET } = handlers;

/**
 * A form posted straight to Auth.js (no JavaScript) while the password-check queue is full gets a
 * 503 with Retry-After, as any overloaded service answers, rather than a redirect that reads like
 * a refusal. The app's own form goes through the sign-in action and shows the same words.
 */
export async function POST(request: NextRequest): Promise<Response> {
  const response = await handlers.POST(request);
  const location = response.headers.get("location") ?? "";
  if (response.status >= 300 && response.status < 400 && /[?&]code=busy(&|$)/.test(location))
    return NextResponse.json(
      { ok: false, message: "The server is busy checking other passwords. Try again in a few seconds." },
      {
        status: 503,
        headers: { "Retry-After": String(BUSY_RETRY_AFTER_SECONDS), "Cache-Control": "no-store" },
      },
    );
  return response;
}
