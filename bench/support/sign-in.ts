/**
 * Signs in over HTTP the way a browser does (CSRF token, credentials callback) and returns the
 * Cookie header, so page timings are taken through the real session and permission checks.
 */
export async function signInOverHttp(baseUrl: string, email: string, password: string): Promise<string> {
  const csrfResponse = await fetch(`${baseUrl}/api/auth/csrf`);
  const cookies = new Map<string, string>();
  const keep = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
  };
  keep(csrfResponse);
  const { csrfToken } = (await csrfResponse.json()) as { csrfToken: string };
  const header = () => [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  const response = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: header() },
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl: `${baseUrl}/devices` }),
  });
  keep(response);
  if (![...cookies.keys()].some((k) => k.includes("session-token")))
    throw new Error(`Sign-in as ${email} failed (HTTP ${response.status}).`);
  return header();
}
