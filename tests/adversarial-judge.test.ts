import { describe, expect, it } from "vitest";
import { ROLE_PERMISSIONS } from "@/lib/auth/permissions";
import { ACTIONS, CALLERS, ROUTES, allowedByTable, type Caller } from "@/e2e/adversarial/expectations";
import {
  judgeAction,
  judgeRoute,
  logProblems,
  matrixDifferences,
  pageProblems,
} from "@/e2e/adversarial/judge";

/**
 * The adversarial suite's own self-test: each of its verdicts fails on the fault it exists to
 * catch, planted here, and passes on the healthy answer.
 */
const healthyRefusal = { ok: false, message: "You do not have permission to do this." };

describe("the adversarial suite's verdicts", () => {
  it("fail on a planted streamed-section error, in the HTML or in the server's log", () => {
    // What React streams when a section inside <Suspense> throws in production: its digest.
    const shell = `<!--$!--><template data-dgst="3126482385"></template><!--/$--><main>Devices</main>`;
    const late = `<div hidden id="S:0"></div><script>$RX("B:0","1842927734")</script>`;
    const flight = `<script>self.__next_f.push([1,"5:E{\\"digest\\":\\"2250263489\\"}\\n"])</script>`;
    for (const html of [shell, late, flight]) expect(pageProblems(html)).toHaveLength(1);
    // Next.js's own control flow travels as digests too, in words: not errors.
    expect(
      pageProblems(
        `<template data-dgst="NEXT_HTTP_ERROR_FALLBACK;403"></template> "digest":"NEXT_REDIRECT;push;/sign-in;307;"`,
      ),
    ).toEqual([]);
    expect(pageProblems("<main>200 devices</main>")).toEqual([]);

    const log = [
      '{"level":30,"msg":"ready"}',
      '{"level":40,"msg":"pg-boss error"}',
      ' ⨯ Error: time zone displacement out of range: "2026-01-01 00:00:00+99"',
      '{"level":50,"msg":"action failed"}',
    ];
    expect(logProblems(log)).toHaveLength(2);
    expect(logProblems(log.slice(0, 2))).toEqual([]);
  });

  it("fail on a planted missing permission check", () => {
    // Support calling an operator's action, and the action let it through.
    const cell = { allowed: false, status: 200, redirected: false, stateChanged: true, mayChangeState: true };
    expect(judgeAction({ ...cell, result: { ok: true, message: "adv-1 was added." } })).toEqual([
      "a caller the matrix refuses was not refused",
      "a refused call changed the database or the queue",
    ]);
    expect(judgeAction({ ...cell, stateChanged: false, result: healthyRefusal })).toEqual([]);
    expect(
      judgeRoute({
        allowed: false,
        caller: "support",
        status: 200,
        stateChanged: false,
        mayChangeState: false,
      }),
    ).toHaveLength(1);
    expect(
      judgeRoute({
        allowed: false,
        caller: "support",
        status: 403,
        stateChanged: false,
        mayChangeState: false,
      }),
    ).toEqual([]);
  });

  it("fail when the code's permission table drifts from the hand-kept matrix", () => {
    const entries = (table: typeof ROLE_PERMISSIONS) =>
      Object.fromEntries(
        [...Object.entries(ACTIONS), ...Object.entries(ROUTES)].map(([key, e]) => [
          key,
          {
            allowed: e.allowed,
            byTable: (caller: Caller) =>
              e.access === "public" || e.access === "signed-in" || caller === "anonymous"
                ? allowedByTable(e.access, caller)
                : table[caller].includes(e.access),
          },
        ]),
      );
    expect(matrixDifferences(entries(ROLE_PERMISSIONS), CALLERS)).toEqual([]);
    const planted = {
      ...ROLE_PERMISSIONS,
      support: [...ROLE_PERMISSIONS.support, "devices.manage" as const],
    };
    expect(matrixDifferences(entries(planted), CALLERS)).toContain(
      "lib/actions/add-device.ts#addDeviceAction as support: the matrix says no, the code's table says yes",
    );
  });

  it("fail on a planted 5xx, and on an allowed caller's reply that is not an action result", () => {
    const allowed = { allowed: true, redirected: false, stateChanged: false, mayChangeState: true };
    expect(judgeAction({ ...allowed, status: 500, result: null })).toContain("HTTP 500");
    expect(
      judgeRoute({ allowed: true, caller: "admin", status: 502, stateChanged: false, mayChangeState: true }),
    ).toEqual(["HTTP 502"]);
    expect(judgeAction({ ...allowed, status: 200, result: null })).toEqual([
      "an allowed caller got a reply that is not an action result",
    ]);
    expect(judgeAction({ ...allowed, status: 303, result: null, redirected: true })).toEqual([]);
    expect(judgeAction({ ...allowed, status: 200, result: { ok: true } })).toEqual([]);
  });
});
