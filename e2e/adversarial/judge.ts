/**
 * The suite's verdicts, as plain functions of what came back, so its own self-test
 * (tests/adversarial-judge.test.ts) can prove each one fails on a planted fault: a 5xx, a missing
 * permission check, an error inside a streamed section, an error in the server's log.
 */

export type Caller = "anonymous" | "support" | "operator" | "admin";

/** Refusal messages from lib/auth/current-user.ts, as a user reads them. */
export const REFUSAL = /do not have permission|session has ended/i;

/**
 * A section that threw while the page streamed: React sends its error's digest (a number in
 * production) in a <template data-dgst> or in the flight data, and the page still answers 200.
 * Next.js's own control flow travels the same way with words for digests (redirect, notFound,
 * forbidden): those are not errors.
 */
const ERROR_DIGEST = /data-dgst="(\d+)"|\$RX\("[^"]*",\s*"(\d+)"|\\?"digest\\?":\s*\\?"(\d+)\\?"/g;

export function pageProblems(body: string): string[] {
  const problems: string[] = [];
  for (const match of body.matchAll(ERROR_DIGEST))
    problems.push(`a section failed while streaming (error digest ${match[1] ?? match[2] ?? match[3]})`);
  return [...new Set(problems)];
}

/**
 * Errors in the server's log: pino lines at level error or fatal (50, 60) and Next.js's own
 * "⨯ Error…" lines (an uncaught error in a render or a handler, streamed sections included).
 */
export function logProblems(lines: string[]): string[] {
  const problems: string[] = [];
  for (const line of lines) {
    const text = line.trim();
    if (!text) continue;
    if (text.startsWith("{")) {
      try {
        const entry = JSON.parse(text) as { level?: number; msg?: string };
        if ((entry.level ?? 0) >= 50) problems.push(text.slice(0, 400));
        continue;
      } catch {
        // not JSON: judged as text below
      }
    }
    if (/^(\[[^\]]*\]\s*)?⨯/.test(text)) problems.push(text.slice(0, 400));
  }
  return problems;
}

export type ActionCell = {
  allowed: boolean;
  status: number;
  /** The action's result, or null when the reply could not be read as one. */
  result: { ok?: boolean; message?: string } | null;
  /** A redirect instead of a result (sign-in, sign-out): allowed callers may get one. */
  redirected: boolean;
  stateChanged: boolean;
  mayChangeState: boolean;
};

/** What is wrong with one action × caller cell; empty when it is right. */
export function judgeAction(cell: ActionCell): string[] {
  const problems: string[] = [];
  if (cell.status >= 500) problems.push(`HTTP ${cell.status}`);
  if (!cell.allowed) {
    if (cell.result?.ok !== false || !REFUSAL.test(cell.result?.message ?? ""))
      problems.push("a caller the matrix refuses was not refused");
    if (cell.stateChanged) problems.push("a refused call changed the database or the queue");
  } else {
    if (!cell.result && !cell.redirected)
      problems.push("an allowed caller got a reply that is not an action result");
    if (cell.result && REFUSAL.test(cell.result.message ?? ""))
      problems.push("an allowed caller was refused");
    if (!cell.mayChangeState && cell.stateChanged)
      problems.push("a call that must change nothing changed the database");
  }
  return problems;
}

export type RouteCell = {
  allowed: boolean;
  caller: Caller;
  status: number;
  stateChanged: boolean;
  mayChangeState: boolean;
};

export function judgeRoute(cell: RouteCell): string[] {
  const problems: string[] = [];
  if (cell.status >= 500) problems.push(`HTTP ${cell.status}`);
  if (!cell.allowed) {
    const wanted = cell.caller === "anonymous" ? 401 : 403;
    if (cell.status !== wanted)
      problems.push(`a caller the matrix refuses got ${cell.status}, not ${wanted}`);
    if (cell.stateChanged) problems.push("a refused call changed the database or the queue");
  } else {
    if (cell.status === 401 || cell.status === 403) problems.push("an allowed caller was refused");
    if (!cell.mayChangeState && cell.stateChanged)
      problems.push("a call that must change nothing changed the database");
  }
  return problems;
}

/**
 * Where the code's permission table and the hand-kept matrix disagree: for each entry, the callers
 * the table lets through against the callers written down by hand.
 */
export function matrixDifferences(
  entries: Record<string, { allowed: readonly Caller[]; byTable: (caller: Caller) => boolean }>,
  callers: readonly Caller[],
): string[] {
  const differences: string[] = [];
  for (const [key, entry] of Object.entries(entries))
    for (const caller of callers) {
      const byHand = entry.allowed.includes(caller);
      if (byHand !== entry.byTable(caller))
        differences.push(
          `${key} as ${caller}: the matrix says ${byHand ? "yes" : "no"}, the code's table says ${byHand ? "no" : "yes"}`,
        );
    }
  return differences;
}
