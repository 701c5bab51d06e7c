import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { sql } from "../support/db";
import { emulatorConnection } from "../support/emulator";

/**
 * The app's metrics endpoint (HIC_METRICS_ADDRESS, its own port; scripts/test.ts turns it on with a
 * token): a caller without the token learns nothing, and what the token's holder reads after the
 * whole end-to-end run names no user, e-mail, device or secret.
 */
const url = process.env.E2E_METRICS_URL!;
const token = process.env.E2E_METRICS_TOKEN!;

test.describe("metrics endpoint", () => {
  test("refuses callers without the right bearer token, on every path", async ({ request }) => {
    for (const path of ["/metrics", "/metrics/fleet", "/", "/metrics?x=1"]) {
      const attempts: Record<string, string>[] = [
        {},
        { authorization: `Bearer ${token.slice(0, -1)}` },
        { authorization: `Bearer ${token}${token}` },
        { authorization: token },
        { authorization: `Basic ${Buffer.from(`metrics:${token}`).toString("base64")}` },
        { cookie: `authjs.session-token=${token}` },
      ];
      for (const headers of attempts) {
        const response = await request.get(`${url}${path}`, { headers });
        expect(response.status(), `${path} with ${JSON.stringify(headers)}`).toBe(401);
        expect(await response.text()).not.toContain("hic_");
      }
    }
    const head = await request.head(`${url}/metrics`);
    expect(head.status()).toBe(401);
    const post = await request.post(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(post.status()).toBe(405);
  });

  test("are not served on the app's own port, with or without the token", async ({ request }) => {
    for (const route of ["/metrics", "/metrics/fleet", "/api/metrics"]) {
      for (const headers of [{}, { authorization: `Bearer ${token}` }] as Record<string, string>[]) {
        const response = await request.get(route, { headers, maxRedirects: 0 });
        expect(response.status(), `${route} on the app's port`).not.toBe(200);
        expect(await response.text()).not.toContain("# TYPE hic_");
      }
    }
  });

  test("names no user, e-mail, device or secret after the whole run", async ({ request }) => {
    // A device page and an invented path, as anyone may ask for them.
    await request.get("/devices/zq-not-a-device", { maxRedirects: 0 });
    await request.get("/wp-admin/alice@example.com", { maxRedirects: 0 });
    const bearer = { authorization: `Bearer ${token}` };
    const own = await request.get(`${url}/metrics`, { headers: bearer });
    expect(own.status()).toBe(200);
    const fleet = await request.get(`${url}/metrics/fleet`, { headers: bearer });
    expect(fleet.status()).toBe(200);
    const text = (await own.text()) + (await fleet.text());
    // The run's pages were timed by route pattern, never by path.
    expect(text).toMatch(/hic_http_request_duration_seconds_count\{kind="page",route="\/devices\/\[id\]"/);
    expect(text).toMatch(/hic_http_request_duration_seconds_count\{kind="page",route="other"/);
    expect(text).not.toContain("zq-not-a-device");
    expect(text).not.toMatch(/@|example\.com/);
    const users = await sql<{ email: string }>("select email from users");
    const devices = await sql<{ registration_id: string }>("select registration_id from devices limit 500");
    for (const { email } of users) expect(text).not.toContain(email);
    for (const { registration_id } of devices) expect(text).not.toContain(`"${registration_id}"`);
    expect(text).not.toContain(token);
    // The run's secrets: the DPS keys it connected with, and the app's own generated secrets.
    const dps = emulatorConnection();
    const secrets = [
      dps.groupKey,
      dps.idScope,
      ...[dps.serviceConnectionString, dps.readOnlyServiceConnectionString].map(
        (c) => /SharedAccessKey=([^;]+)/.exec(c)?.[1] ?? c,
      ),
    ];
    for (const name of ["auth_secret", "hic_secret_key", "next_server_actions_encryption_key"]) {
      const file = join(process.env.E2E_DATA_DIR!, `${name}.secret`);
      if (existsSync(file)) secrets.push(readFileSync(file, "utf8").trim());
    }
    if (process.env.NEXT_SERVER_ACTIONS_ENCRYPTION_KEY)
      secrets.push(process.env.NEXT_SERVER_ACTIONS_ENCRYPTION_KEY);
    for (const secret of secrets) expect(secret.length).toBeGreaterThan(8);
    for (const secret of secrets) expect(text, "a secret in the metrics").not.toContain(secret);
  });
});
