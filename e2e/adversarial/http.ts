import pg from "pg";
import { sql } from "../support/db";

/**
 * One kept connection for the reads the fuzzer and the role matrix make several times a case (two
 * snapshots, the settle polls, the clock): opening one per statement, as `sql` does, was about as
 * slow as the requests themselves. A connection the server drops is replaced on the next read.
 */
const reads = new pg.Pool({ connectionString: process.env.E2E_DATABASE_URL, max: 1, allowExitOnIdle: true });
reads.on("error", () => {});
async function read<T extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<T[]> {
  return (await reads.query<T>(text, params)).rows;
}

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
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      ...headers,
      // A cookie the caller brings (a device cookie) travels beside the CSRF cookie, not instead of it.
      Cookie: [jar.header(), headers.Cookie].filter(Boolean).join("; "),
    },
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
  /** Next.js answered with a redirect (after a sign-in or sign-out) instead of a result. */
  redirected: boolean;
  result: { ok?: boolean; message?: string; fieldErrors?: unknown } | null;
};

/**
 * The rows of a React Flight reply by id. Most rows are `id:json` up to a newline, but a long string
 * travels as a text row, `id:T<hex byte length>,<raw text>` with no newline after it, so the next
 * row can start on the same line: split by length, not by lines.
 */
function flightRows(bytes: Buffer): Map<string, string> {
  const rows = new Map<string, string>();
  let at = 0;
  while (at < bytes.length) {
    const colon = bytes.indexOf(0x3a, at);
    if (colon < 0) break;
    const id = bytes.toString("latin1", at, colon).trim();
    if (bytes[colon + 1] === 0x54 /* T */) {
      const comma = bytes.indexOf(0x2c, colon);
      const length = Number.parseInt(bytes.toString("latin1", colon + 2, comma), 16);
      rows.set(id, bytes.toString("utf8", comma + 1, comma + 1 + length));
      at = comma + 1 + length;
    } else {
      const end = bytes.indexOf(0x0a, colon);
      const stop = end < 0 ? bytes.length : end;
      rows.set(id, bytes.toString("utf8", colon + 1, stop));
      at = stop + 1;
    }
  }
  return rows;
}

/** A result's `"$<id>"` strings replaced by the text rows they point at (long messages). */
function resolveTextRows(value: unknown, rows: Map<string, string>): unknown {
  if (typeof value === "string") {
    const ref = /^\$([0-9a-f]+)$/.exec(value);
    return ref && rows.has(ref[1]!) ? rows.get(ref[1]!) : value;
  }
  if (Array.isArray(value)) return value.map((v) => resolveTextRows(v, rows));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveTextRows(v, rows)]));
  return value;
}

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
  const bytes = Buffer.from(await response.arrayBuffer());
  const text = bytes.toString("utf8");
  const rows = flightRows(bytes);
  let result: ActionReply["result"] = null;
  try {
    const row = rows.get("1");
    result = row === undefined ? null : (resolveTextRows(JSON.parse(row), rows) as ActionReply["result"]);
  } catch {
    result = null;
  }
  const redirected =
    response.headers.has("x-action-redirect") || (response.status >= 300 && response.status < 400);
  return { status: response.status, text, redirected, result };
}

export { REFUSAL } from "./judge";

const QUEUES = ["provision-device", "reconcile-registrations", "remove-device"];

/**
 * How each table is compared. By default every column. `keep`: only the columns a request sets
 * (the rest the app changes on its own: provisioning progress, tile health). `skip`: written by the
 * app's own processes, or on purpose by every request, each with its reason.
 */
const RULES: Record<string, { keep: string[] } | { drop: string[] } | "skip"> = {
  users: { drop: ["last_sign_in_at", "updated_at"] },
  devices: {
    keep: ["id", "registration_id", "name", "payload", "created_by_id", "created_by_email", "created_at"],
  },
  integrations: {
    keep: [
      "id",
      "id_scope",
      "host",
      "registrations_per_minute",
      "primary_key_ciphertext",
      "secondary_key_ciphertext",
      "service_host",
      "service_policy_name",
      "service_key_ciphertext",
      "enrollment_group_id",
      "clean_old_hub_on_move",
      "version",
    ],
  },
  // Runs are created only by a request; their progress is the worker's.
  registration_reconciliations: { keep: ["id", "enrollment_group_id", "requested_by_email"] },
  hub_drift_runs: { keep: ["id", "requested_by_email"] },
  // A run's per-hub progress, identity copy and findings are the worker's.
  hub_drift_run_hubs: "skip",
  hub_drift_identities: "skip",
  hub_drift_findings: "skip",
  // Every refusal is audited on purpose: the successes are compared on their own (audit_successes).
  audit_log: "skip",
  // Counted per attempt, refusals included: the throttle is tested on its own (sign-in-throttle.spec.ts).
  sign_in_throttle: "skip",
  // The engine's own bookkeeping, written while it provisions whatever is queued.
  provisioning_history: "skip",
  provisioning_runs: "skip",
  provisioning_processes: "skip",
  rate_limiter: "skip",
  dps_circuit: "skip",
  // The hub checks' own circuit per hub, written as the checks that follow each assignment run.
  hub_circuits: "skip",
  fleet_instances: "skip",
  fleet_builds: "skip",
  // Derived from devices by triggers, which are compared themselves.
  device_counts: "skip",
  device_hub_counts: "skip",
};

/** Every table's columns, read once: a table added later is compared without anyone listing it. */
let tableColumns: Map<string, string[]> | null = null;
async function columnsByTable(): Promise<Map<string, string[]>> {
  if (tableColumns) return tableColumns;
  const rows = await sql<{ table_name: string; column_name: string }>(
    `select table_name, column_name from information_schema.columns
     where table_schema = 'public' and table_name not like '\\_\\_%' order by table_name, ordinal_position`,
  );
  tableColumns = new Map();
  for (const row of rows) {
    const list = tableColumns.get(row.table_name) ?? [];
    list.push(row.column_name);
    tableColumns.set(row.table_name, list);
  }
  return tableColumns;
}

/**
 * The state a request could change, as one comparable text per table: every table of the app's
 * schema (less the columns and tables above), the successes in the audit log, and the jobs in
 * pg-boss's queues (each job's id, queue and data).
 */
export async function snapshot(): Promise<Record<string, string>> {
  const queries: Record<string, string> = {};
  for (const [table, columns] of await columnsByTable()) {
    const rule = RULES[table];
    if (rule === "skip") continue;
    const kept = !rule
      ? columns
      : "keep" in rule
        ? columns.filter((c) => rule.keep.includes(c))
        : columns.filter((c) => !rule.drop.includes(c));
    queries[table] = `select ${kept.map((c) => `"${c}"`).join(", ")} from "${table}"`;
  }
  queries.audit_successes = "select id, action, target from audit_log where outcome = 'success'";
  queries.queue = `select id, name, data from pgboss.job where name = any('{${QUEUES.join(",")}}'::text[])`;
  const columns = Object.entries(queries).map(
    ([name, query]) =>
      // A sum of 64-bit row hashes: the same rows give the same figure in any order, so no sort and
      // no one long string per table (the tables hold thousands of rows by the time this runs).
      `(select count(*) || ':' || coalesce(sum(hashtextextended(t::text, 0)::numeric), 0) from (${query}) t) as "${name}"`,
  );
  // One statement: the fuzzer and the matrix take two snapshots per case.
  const [row] = await read<Record<string, string>>(`select ${columns.join(", ")}`);
  return { ...row };
}

/** The database's clock, to mark when a request was sent (jobs carry the database's time). */
export async function databaseNow(): Promise<Date> {
  const [row] = await read<{ now: Date }>("select clock_timestamp() as now");
  return row!.now;
}

/**
 * Waits until what a request set going has finished: jobs queued since `since` that are due or
 * running, and any reconciliation in progress, so the next cell's "before" is not changed under
 * it by the worker. Work queued earlier by other flows (thousands of imported devices being
 * provisioned) is not this request's doing and is not waited for: the snapshot leaves out what
 * the engine changes.
 */
export async function settle(since: Date = new Date(0), timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await read<{ busy: string }>(
      `select (select count(*) from pgboss.job where name = any($1::text[]) and created_on >= $2
                 and (state = 'active' or (state in ('created', 'retry') and start_after <= now())))
            + (select count(*) from registration_reconciliations where status in ('queued', 'running'))
            + (select count(*) from hub_drift_runs where status in ('queued', 'running')) as busy`,
      [QUEUES, since],
    );
    if (Number(row?.busy ?? 0) === 0 || Date.now() > deadline) return;
    // A poll is one short read on the kept connection; most jobs a case sets going take < 200 ms.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
