import { test, expect } from "@playwright/test";
import { discoverRouteHandlers, discoverServerActions, serverActionIds } from "./surface";
import { ACTIONS, CALLERS, ROUTES, allowedByTable, isAllowed, type Caller } from "./expectations";
import { BASE_URL, request, encodeActionArgs, postAction, databaseNow, settle, snapshot } from "./http";
import { judgeAction, judgeRoute, matrixDifferences, pageProblems } from "./judge";
import { runId, setUpFixture } from "./fixture";
import { addFigures } from "./summary";
import { logMark, serverErrorsSince, type LogMark } from "./server-log";

/**
 * Every server action and route handler the code defines, called over HTTP as anonymous, support,
 * operator and administrator. The verdicts follow a matrix kept by hand in expectations.ts (not the
 * code's permission table, which is compared with it separately): where it says no, the answer is a
 * refusal and the database and the queue are exactly as before; where it says yes, the answer is an
 * action result (or a redirect) that is not a refusal. Never a 5xx.
 */
/**
 * Whether the request changed what the snapshot holds. An allowed call that changes nothing may
 * still audit its success (an unlock of an account that was not locked): only a refused call must
 * leave the audit log's successes alone.
 */
function changed(before: Record<string, string>, after: Record<string, string>, allowed: boolean): boolean {
  const keys = Object.keys({ ...before, ...after }).filter((k) => !(allowed && k === "audit_successes"));
  return keys.some((k) => before[k] !== after[k]);
}

test.describe("role × action matrix", () => {
  test.describe.configure({ mode: "serial" });
  const run = runId();
  let fixture: Awaited<ReturnType<typeof setUpFixture>>;

  let mark: LogMark;

  test.beforeAll(async () => {
    mark = logMark();
    fixture = await setUpFixture(run);
  });
  test.afterAll(async () => {
    await fixture?.cleanUp();
  });

  test("every server action and route handler in the code has an expectation, and every expectation still exists", () => {
    const actions = discoverServerActions().map((a) => a.key);
    const routes = discoverRouteHandlers().map((r) => r.key);
    expect(actions.length).toBeGreaterThan(10);
    expect(
      actions.filter((key) => !(key in ACTIONS)),
      "server actions without an entry in e2e/adversarial/expectations.ts",
    ).toEqual([]);
    expect(
      Object.keys(ACTIONS).filter((key) => !actions.includes(key)),
      "expectations for actions that no longer exist",
    ).toEqual([]);
    expect(
      routes.filter((key) => !(key in ROUTES)),
      "route handlers without an entry in e2e/adversarial/expectations.ts",
    ).toEqual([]);
    expect(
      Object.keys(ROUTES).filter((key) => !routes.includes(key)),
      "expectations for routes that no longer exist",
    ).toEqual([]);
    // The build knows every action a page can call, wherever its file lives: the scan must have found each one.
    expect(
      [...serverActionIds().keys()].filter((key) => !actions.includes(key)),
      "server actions in the build that the scan of the sources missed",
    ).toEqual([]);
  });

  test("the code's permission table agrees with the hand-kept matrix, cell by cell", () => {
    const entries = Object.fromEntries(
      [...Object.entries(ACTIONS), ...Object.entries(ROUTES)].map(([key, e]) => [
        key,
        { allowed: e.allowed, byTable: (caller: Caller) => allowedByTable(e.access, caller) },
      ]),
    );
    expect(matrixDifferences(entries, CALLERS)).toEqual([]);
  });

  test("server actions refuse every caller the permissions refuse, and change nothing for them", async () => {
    // Each cell waits for what the previous one set going (settle) and snapshots every table twice.
    test.setTimeout(480_000);
    const ids = serverActionIds();
    let cells = 0;
    for (const { key } of discoverServerActions()) {
      const expectation = ACTIONS[key]!;
      const built = ids.get(key);
      // An action no page imports has no id in the build: nothing can call it over HTTP.
      if (!built) continue;
      const path = built.pagePattern.replace("[id]", String(fixture.ctx.victimDeviceId));
      for (const caller of CALLERS) {
        const allowed = isAllowed(expectation, caller);
        const before = await snapshot();
        const sent = await databaseNow();
        const input = expectation.input(fixture.ctx);
        const reply = await postAction(
          fixture.sessions.get(caller) ?? null,
          path,
          built.id,
          encodeActionArgs(input === undefined ? [] : [input]),
        );
        const where = `${key} as ${caller}: HTTP ${reply.status} ${reply.text.slice(0, 300)}`;
        await settle(sent);
        const after = await snapshot();
        const problems = judgeAction({
          allowed,
          status: reply.status,
          result: reply.result,
          redirected: reply.redirected,
          stateChanged: changed(before, after, allowed),
          mayChangeState: !expectation.neverChanges,
        });
        expect(problems, where).toEqual([]);
        if (allowed && expectation.endsSession) await fixture.relogin(caller);
        cells++;
      }
    }
    expect(cells).toBe(Object.keys(ACTIONS).length * CALLERS.length);
    addFigures({ "action × caller cells": cells });
  });

  test("route handlers refuse every caller the permissions refuse, and change nothing for them", async () => {
    test.setTimeout(240_000);
    let cells = 0;
    for (const { key } of discoverRouteHandlers()) {
      const expectation = ROUTES[key]!;
      for (const caller of CALLERS as Caller[]) {
        const allowed = isAllowed(expectation, caller);
        const before = await snapshot();
        const sent = await databaseNow();
        const { path, init = {} } = expectation.request(fixture.ctx);
        const session = fixture.sessions.get(caller);
        const response = await request(`${BASE_URL}${path}`, {
          redirect: "manual",
          ...init,
          headers: {
            ...(init.headers as Record<string, string>),
            ...(session ? { Cookie: session.cookie } : {}),
          },
        });
        const text = await response.text();
        const where = `${key} as ${caller}: HTTP ${response.status} ${text.slice(0, 200)}`;
        await settle(sent);
        const after = await snapshot();
        const problems = judgeRoute({
          allowed,
          caller,
          status: response.status,
          stateChanged: changed(before, after, allowed),
          mayChangeState: !expectation.neverChanges,
        });
        expect([...problems, ...pageProblems(text)], where).toEqual([]);
        cells++;
      }
    }
    addFigures({ "route × caller cells": cells });
  });

  test("the server logged no error while these requests ran (errors inside streamed sections included)", () => {
    expect(serverErrorsSince(mark)).toEqual([]);
  });
});
