import { test, expect } from "@playwright/test";
import fc from "fast-check";
import { sql } from "../support/db";
import { discoverPages, discoverServerActions, serverActionIds } from "./surface";
import { ACTIONS } from "./expectations";
import { BASE_URL, request, encodeActionArgs, postAction, databaseNow, settle, snapshot } from "./http";
import { runId, setUpFixture } from "./fixture";
import { pageProblems } from "./judge";
import { addFigures } from "./summary";
import { logMark, serverErrorsSince, type LogMark } from "./server-log";

/**
 * Property-based fuzzing over HTTP, as the administrator (who reaches the deepest): every server
 * action's input, the CSV import route and every page's query string. Properties: never a 5xx;
 * an input the action's schema refuses changes nothing; the import adds exactly what it reports.
 */
const RUNS_PER_ACTION = 30;
const RUNS_PER_PAGE = 25;
const IMPORT_RUNS = 40;

// Strings an attacker likes: NUL and other control bytes, lone surrogates, formulas, very long ones.
const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "\u0000",
    "a\u0000b",
    "\ud800",
    '=HYPERLINK("http://x")',
    "' or 1=1 --",
    "../../etc/passwd",
    "$1",
    "$@1",
    "%00",
    "null",
    "-1",
    "1e309",
    "0x10",
  ),
  fc.string({ minLength: 2_000, maxLength: 20_000 }).map((s) => s.padEnd(2_000, "x")),
);
const value = fc.oneof(
  { weight: 3, arbitrary: nasty },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
);

function inputs(valid: unknown): fc.Arbitrary<unknown> {
  const keys = valid && typeof valid === "object" ? Object.keys(valid) : [];
  const mutated = keys.length
    ? fc
        .tuple(fc.constantFrom(...keys), value)
        .map(([key, v]) => ({ ...(valid as Record<string, unknown>), [key]: v }))
    : fc.jsonValue({ maxDepth: 2 });
  const extraKeys = fc
    .dictionary(fc.string({ maxLength: 12 }), value, { maxKeys: 4 })
    .map((extra) => (keys.length ? { ...extra, ...(valid as Record<string, unknown>) } : extra));
  return fc.oneof(mutated, mutated, extraKeys, fc.jsonValue({ maxDepth: 4 }), value);
}

test.describe("fuzzing", () => {
  test.describe.configure({ mode: "serial" });
  const run = runId();
  let fixture: Awaited<ReturnType<typeof setUpFixture>>;
  let serverErrors = 0;

  let mark: LogMark;

  test.beforeAll(async () => {
    mark = logMark();
    fixture = await setUpFixture(run);
  });
  test.afterAll(async () => {
    await fixture?.cleanUp();
    addFigures({ "fuzz 5xx answers": serverErrors });
  });

  test("every server action: never a 5xx, and an input its schema refuses changes nothing", async () => {
    test.setTimeout(600_000);
    const ids = serverActionIds();
    let cases = 0;
    let lastSent = new Date();
    for (const { key } of discoverServerActions()) {
      const expectation = ACTIONS[key];
      const built = ids.get(key);
      if (!expectation || !built) continue;
      const path = built.pagePattern.replace("[id]", String(fixture.ctx.victimDeviceId));
      // A failure prints its seed: HIC_FUZZ_SEED=<seed> replays that run's inputs.
      await fc.assert(
        fc.asyncProperty(inputs(expectation.input(fixture.ctx)), async (input) => {
          // What the previous case set going (a reconciliation, a queued removal) finishes first.
          await settle(lastSent);
          const before = await snapshot();
          const sent = await databaseNow();
          lastSent = sent;
          const reply = await postAction(
            fixture.sessions.get("admin")!,
            path,
            built.id,
            encodeActionArgs([input]),
          );
          cases++;
          if (reply.status >= 500) serverErrors++;
          expect(
            reply.status,
            `${key} ← ${JSON.stringify(input)?.slice(0, 200)}: ${reply.text.slice(0, 300)}`,
          ).toBeLessThan(500);
          const refusedBySchema = expectation.schema ? !expectation.schema.safeParse(input).success : false;
          if (refusedBySchema) {
            expect(reply.result?.ok, `${key}: HTTP ${reply.status} ${reply.text.slice(0, 400)}`).toBe(false);
            await settle(sent);
            expect(
              await snapshot(),
              `${key} changed state for an invalid input ${JSON.stringify(input)?.slice(0, 200)}`,
            ).toEqual(before);
          }
          if (expectation.endsSession && reply.result?.ok !== false) await fixture.relogin("admin");
        }),
        {
          numRuns: RUNS_PER_ACTION,
          seed: process.env.HIC_FUZZ_SEED
            ? Number(process.env.HIC_FUZZ_SEED)
            : Number.parseInt(run, 16) % 2 ** 31,
        },
      );
    }
    // Hand-tampered bodies (references React's decoder cannot resolve) are refused before the decoder.
    const addDevice = ids.get("lib/actions/add-device.ts#addDeviceAction")!;
    for (const body of [
      '["$1"]',
      '["$@1"]',
      '["$Q0"]',
      "{",
      "",
      "null",
      '{"a":1}',
      '[{"registrationId":"$K9"}]',
    ]) {
      // Prefetch headers make Next.js skip the proxy for pages; they must not skip the check.
      for (const headers of [{}, { Purpose: "prefetch" }, { "Next-Router-Prefetch": "1" }] as Record<
        string,
        string
      >[]) {
        const reply = await postAction(
          fixture.sessions.get("admin")!,
          addDevice.pagePattern,
          addDevice.id,
          body,
          headers,
        );
        cases++;
        if (reply.status >= 500) serverErrors++;
        expect(
          reply.status,
          `raw body ${JSON.stringify(body)} with ${JSON.stringify(headers)}: ${reply.text.slice(0, 200)}`,
        ).toBe(400);
      }
    }
    addFigures({ "fuzzed action calls": cases });
  });

  test("the CSV import route: never a 5xx, and it adds exactly what it reports", async () => {
    test.setTimeout(120_000);
    const admin = fixture.sessions.get("admin")!;
    const line = fc.oneof(
      fc.stringMatching(/^[a-z0-9-]{1,20}$/).map((id) => `advfz-${id}`),
      fc
        .tuple(fc.string(), fc.string(), fc.string())
        .map((cells) => cells.map((c) => `"${c.replaceAll('"', '""')}"`).join(",")),
      nasty,
    );
    const body = fc.oneof(
      fc
        .array(line, { maxLength: 30 })
        .map((lines) => lines.join(fc.sample(fc.constantFrom("\n", "\r\n", "\r"), 1)[0])),
      fc.uint8Array({ maxLength: 3_000 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
      nasty,
    );
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(body, fc.option(fc.string({ maxLength: 300 })), async (csv, fileName) => {
        const [{ n: before }] = (await sql<{ n: string }>(
          "select count(*) as n from devices where created_by_email = $1",
          [admin.email],
        )) as [{ n: string }];
        const response = await request(`${BASE_URL}/api/devices/import`, {
          method: "POST",
          headers: {
            Cookie: admin.cookie,
            "Content-Type": "text/csv",
            ...(fileName !== null ? { "X-File-Name": encodeURIComponent(fileName) } : {}),
          },
          body: csv,
        });
        const json = (await response.json().catch(() => null)) as { summary?: { added: number } } | null;
        cases++;
        if (response.status >= 500) serverErrors++;
        expect(response.status, `${JSON.stringify(csv).slice(0, 200)}`).toBeLessThan(500);
        const [{ n: after }] = (await sql<{ n: string }>(
          "select count(*) as n from devices where created_by_email = $1",
          [admin.email],
        )) as [{ n: string }];
        expect(Number(after) - Number(before)).toBe(json?.summary?.added ?? 0);
      }),
      { numRuns: IMPORT_RUNS },
    );
    addFigures({ "fuzzed import uploads": cases });
  });

  test("every page's query string (and the device id in the path): never a 5xx", async () => {
    test.setTimeout(180_000);
    const admin = fixture.sessions.get("admin")!;
    const knownKeys = [
      "q",
      "status",
      "hub",
      "sort",
      "after",
      "before",
      "callbackUrl",
      "created",
      "error",
      "code",
      "password-changed",
      "signed-out",
      "finding",
    ];
    const cursor = fc
      .jsonValue({ maxDepth: 2 })
      .map((v) => Buffer.from(JSON.stringify(v) ?? "null").toString("base64url"));
    const tamperedCursors = fc.constantFrom(
      ...[
        ["x", 1],
        ["2024-13-45 25:61:61+00", 1],
        ["\u0000", 1],
        ["a", -1],
        ["a", 1e300],
        [1, 1],
        ["2024-02-30 00:00:00+00", 3],
        // Offsets Postgres refuses ("time zone displacement out of range"), once a failed section.
        ["2026-01-01 00:00:00+99", 1],
        ["2026-01-01 00:00:00+05:99", 1],
        ["0000-01-01 00:00:00+00", 1],
      ].map((c) => Buffer.from(JSON.stringify(c)).toString("base64url")),
    );
    const query = fc.dictionary(
      fc.oneof(fc.constantFrom(...knownKeys), fc.string({ maxLength: 10 })),
      fc.oneof(
        nasty,
        cursor,
        tamperedCursors,
        fc.constantFrom("updated", "-updated", "registrationId", "failed"),
      ),
      { maxKeys: 5 },
    );
    const deviceId = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom(
        "0",
        "-1",
        "1e5",
        "99999999999999999999",
        "00000000-0000-0000-0000-000000000000",
        "%00",
        "..%2f",
      ),
      fc.nat().map(String),
    );
    let cases = 0;
    for (const pattern of discoverPages()) {
      await fc.assert(
        fc.asyncProperty(query, deviceId, async (params, id) => {
          const path = pattern.replace("[id]", encodeURIComponent(id));
          const search = new URLSearchParams(params).toString();
          const response = await request(`${BASE_URL}${path}${search ? `?${search}` : ""}`, {
            redirect: "manual",
            headers: { Cookie: admin.cookie },
          });
          const body = await response.text();
          cases++;
          if (response.status >= 500) serverErrors++;
          expect(response.status, `${path}?${search.slice(0, 300)}`).toBeLessThan(500);
          // A section that threw while streaming still answers 200: its digest in the HTML gives it away.
          expect(pageProblems(body), `${path}?${search.slice(0, 300)}`).toEqual([]);
        }),
        { numRuns: RUNS_PER_PAGE },
      );
    }
    addFigures({ "fuzzed page requests": cases });
  });

  test("the server logged no error while these requests ran (errors inside streamed sections included)", () => {
    expect(serverErrorsSince(mark)).toEqual([]);
  });
});
