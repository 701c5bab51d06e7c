import { test, expect } from "@playwright/test";
import { randomUUID } from "node:crypto";
import { connect, type Socket } from "node:net";
import { ensureUser, sql } from "./support/db";
import { BASE_URL, request, signIn } from "./adversarial/http";

/**
 * Imports that must not take the server down, over plain HTTP: a quote that never closes is refused
 * naming its line, and an operator's third upload at once is turned away with 429 while two hang.
 */
const run = randomUUID().slice(0, 8);
const EMAIL = `import-bounds-${run}@example.com`;
const PASSWORD = "import-bounds-password-1";

let cookie = "";

test.beforeAll(async () => {
  await ensureUser(EMAIL, PASSWORD, "operator");
  cookie = (await signIn(EMAIL, PASSWORD)).cookie;
});
test.afterAll(async () => {
  await sql("delete from devices where registration_id like $1", [`ib-${run}-%`]);
  await sql("delete from device_imports where created_by_email = $1", [EMAIL]);
  await sql("delete from users where email = $1", [EMAIL]);
});

test("a quote that never closes is refused with the line it opened on", async () => {
  const body = `registrationId,name,payload\nib-${run}-1,"never closed\n${`ib-${run}-2,,\n`.repeat(40_000)}`;
  const response = await request(`${BASE_URL}/api/devices/import`, {
    method: "POST",
    headers: { Cookie: cookie, "Content-Type": "text/csv" },
    body,
  });
  expect(response.status).toBe(400);
  const json = (await response.json()) as { message: string };
  expect(json.message).toMatch(/opened on line 2 is never closed[\s\S]*No devices were added/);
});

test("a third upload at once gets 429 with Retry-After while two hang, and a slot frees when one ends", async () => {
  const url = new URL(`${BASE_URL}/api/devices/import`);
  const lines = Array.from({ length: 2500 }, (_, i) => `ib-${run}-h${i}`).join("\n");
  const hanging: Socket[] = [];
  for (let n = 0; n < 2; n++) {
    const socket = connect(Number(url.port), url.hostname);
    socket.on("error", () => undefined);
    socket.write(
      `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nCookie: ${cookie}\r\nContent-Type: text/csv\r\nContent-Length: 10000000\r\n\r\nregistrationId\n${lines.replaceAll("-h", `-h${n}-`)}\n`,
    );
    hanging.push(socket);
  }
  // Both are running once each has written its first batch.
  await expect
    .poll(
      async () =>
        Number(
          (
            await sql<{ n: string }>(
              "select count(*) as n from device_imports where created_by_email = $1 and status = 'running'",
              [EMAIL],
            )
          )[0]!.n,
        ),
      { timeout: 15_000 },
    )
    .toBe(2);
  const refused = await request(`${BASE_URL}/api/devices/import`, {
    method: "POST",
    headers: { Cookie: cookie, "Content-Type": "text/csv" },
    body: `ib-${run}-third\n`,
  });
  expect(refused.status).toBe(429);
  expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
  expect(((await refused.json()) as { message: string }).message).toMatch(/already have 2 imports running/);

  for (const socket of hanging) socket.destroy();
  await expect
    .poll(
      async () =>
        (
          await sql<{ status: string }>("select status from device_imports where created_by_email = $1", [
            EMAIL,
          ])
        )
          .map((r) => r.status)
          .sort()
          .join(","),
      { timeout: 15_000 },
    )
    .toMatch(/^cut-short,cut-short/);
  const accepted = await request(`${BASE_URL}/api/devices/import`, {
    method: "POST",
    headers: { Cookie: cookie, "Content-Type": "text/csv" },
    body: `ib-${run}-fourth\n`,
  });
  expect(accepted.status).toBe(200);
});
