import { sql } from "../support/db";

/** Plain HTTP against the app under test, the way an attacker's script would talk to it. */
export const BASE_URL = (() => {
  const url = process.env.E2E_BASE_URL;
  if (!url) throw new Error("E2E_BASE_URL is not set; run the suite through `npm test`.");
  return url.replace(/\/$/, "");
})();

export type Session = { email: string; cookie: string };

/**
 * fetch, tried once more when the connection was reset before any answer: the server closes a
 * connection whose upload it refused unread, and the client may already have picked it for reuse.
 */
export async function request(url: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    if (code !== "ECONNRESET" && code !== "UND_ERR_SOCKET") throw error;
    return fetch(url, init);
  }
}

function cookieJar() {
  const cookies = new Map<string, string>();
  return {
    keep(response: Response) {
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(";");
        const eq = pair!.indexOf("=");
        cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
      }
    },
    header: () => [...cookies].map(([k, v]) => `${k}=${v}`).join("; "),
  };
}

/** One sign-in through Auth.js's credentials callback, as a browser posts it; the outcome is in `location`. */
export async function postCredentials(
  email: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; location: string; cookie: string }> {
  const jar = cookieJar();
  const csrf = await request(`${BASE_URL}/api/auth/csrf`);
  jar.keep(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const response = await request(`${BASE_URL}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: jar.header(), ...headers },
    body: new URLSearchParams({ csrfToken, email, password }),
  });
  jar.keep(response);
  await response.arrayBuffer();
  return { status: response.status, location: response.headers.get("location") ?? "", cookie: jar.header() };
}

/** Signs in; the suite's own sign-ins must not be slowed by the lock-outs it provokes on purpose. */
export async function signIn(email: string, password: string): Promise<Session> {
  await sql("delete from sign_in_throttle");
  const result = await postCredentials(email, password);
  if (!result.cookie.includes("session-token"))
    throw new Error(`Sign-in as ${email} failed: ${result.location}`);
  return { email, cookie: result.cookie };
}

/** React's encoding of plain action arguments: a string that starts with "$" is escaped as "$$…". */
export function encodeActionArgs(args: unknown[]): string {
  return JSON.stringify(args, (_key, value: unknown) =>
    typeof value === "string" && value.startsWith("$") ? `$${value}` : value,
  );
}

export type ActionReply = {
  status: number;
  text: string;
  result: { ok?: boolean; message?: string; fieldErrors?: unknown } | null;
};

export async function postAction(
  session: Session | null,
  path: string,
  actionId: string,
  body: string,
  extraHeaders: Record<string, string> = {},
): Promise<ActionReply> {
  const response = await request(`${BASE_URL}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "Next-Action": actionId,
      "Content-Type": "text/plain;charset=UTF-8",
      Accept: "text/x-component",
      ...(session ? { Cookie: session.cookie } : {}),
      ...extraHeaders,
    },
    body,
  });
  const text = await response.text();
  const line = text.split("\n").find((l) => l.startsWith("1:"));
  let result: ActionReply["result"] = null;
  try {
    result = line ? (JSON.parse(line.slice(2)) as ActionReply["result"]) : null;
  } catch {
    result = null;
  }
  return { status: response.status, text, result };
}

export const REFUSAL = /do not have permission|session has ended/i;

/**
 * The state an action could change, as one comparable text per table. Columns the app changes on
 * its own (sign-in times, provisioning progress, tile health) are left out, so a difference means
 * the request itself changed something.
 */
export async function snapshot(): Promise<Record<string, string>> {
  const queries: Record<string, string> = {
    users:
      "select id, lower(email) as email, name, role, disabled_at, session_generation, password_hash from users",
    devices: "select id, registration_id, name, payload from devices",
    integrations:
      "select id, id_scope, host, registrations_per_minute, primary_key_ciphertext, secondary_key_ciphertext, service_host, service_policy_name, service_key_ciphertext, enrollment_group_id, version from integrations",
    // Runs are created only by a request; their progress is the worker's.
    registration_reconciliations:
      "select id, enrollment_group_id, requested_by_email from registration_reconciliations",
    provisioning_control: "select * from provisioning_control",
    device_imports: "select id, status, total, added from device_imports",
  };
  const columns = Object.entries(queries).map(
    ([table, query]) =>
      `(select count(*) || ':' || md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from (${query}) t) as ${table}`,
  );
  // One statement, one connection: the fuzzer takes two snapshots per case.
  const [row] = await sql<Record<string, string>>(`select ${columns.join(", ")}`);
  const out: Record<string, string> = { ...row };
  return out;
}
