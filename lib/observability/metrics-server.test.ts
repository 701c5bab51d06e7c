import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/database";
import { parseEnv } from "@/lib/env";
import { parseExposition, type Sample } from "@/tests/support/prometheus-text";
import { routeMatcher, routePatterns } from "@/scripts/request-timing.mjs";
import { listenForMetrics, type MetricsServer } from "./metrics-server";
import { metrics, recordDpsRequest } from "./metrics";
import { MAX_HUB_LABELS } from "./fleet-metrics";

const TOKEN = "s3cret-metrics-token-0123456789";
let server: MetricsServer;

beforeAll(async () => {
  server = await listenForMetrics({ host: "127.0.0.1", port: 0, token: TOKEN });
});
afterAll(async () => {
  await server?.close();
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { headers });
const bearer = { authorization: `Bearer ${TOKEN}` };

describe("the metrics endpoint's access", () => {
  it("refuses a caller without the token, or with a wrong one, on both paths", async () => {
    for (const path of ["/metrics", "/metrics/fleet"]) {
      const none = await get(path);
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(await none.text()).not.toContain("hic_");
      expect((await get(path, { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
      expect(
        (await get(path, { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}` })).status,
      ).toBe(401);
    }
  });

  it("answers the token's holder, and only GET on the two known paths", async () => {
    const ok = await get("/metrics", bearer);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await ok.text()).toContain("# TYPE hic_dps_requests_total counter");
    expect((await get("/", bearer)).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`, { method: "POST", headers: bearer })).status).toBe(405);
  });

  it("is refused at start-up on a non-loopback address without a token, and a short token is refused", () => {
    expect(() => parseEnv({ HIC_METRICS_ADDRESS: "0.0.0.0:9464" })).toThrow(/HIC_METRICS_TOKEN/);
    expect(() => parseEnv({ HIC_METRICS_ADDRESS: "10.1.2.3:9464" })).toThrow(/would be public/);
    expect(() => parseEnv({ HIC_METRICS_ADDRESS: "0.0.0.0:9464", HIC_METRICS_TOKEN: "short" })).toThrow(
      /at least 16/,
    );
    expect(() => parseEnv({ HIC_METRICS_ADDRESS: "nine" })).toThrow(/host:port/);
    expect(
      parseEnv({ HIC_METRICS_ADDRESS: "0.0.0.0:9464", HIC_METRICS_TOKEN: TOKEN }).HIC_METRICS_ADDRESS,
    ).toBe("0.0.0.0:9464");
    expect(parseEnv({ HIC_METRICS_ADDRESS: "127.0.0.1:9464" }).HIC_METRICS_TOKEN).toBeUndefined();
    expect(parseEnv({ HIC_METRICS_ADDRESS: "[::1]:9464" }).HIC_METRICS_ADDRESS).toBe("[::1]:9464");
    expect(parseEnv({}).HIC_METRICS_ADDRESS).toBeUndefined();
  });
});

describe("what the metrics may contain", () => {
  it("never a registration ID, device, e-mail, hub key or SAS token, whatever the requests carried", async () => {
    const registrationId = "secret-device-4711";
    const sas = "SharedAccessSignature sr=abc&sig=SIGNATURE";
    recordDpsRequest(
      "PUT",
      `https://dps.example.net/0ne00ABCDEF/registrations/${registrationId}/register?api-version=2021-10-01`,
      "2xx",
      0.05,
    );
    recordDpsRequest(
      "GET",
      `https://dps.example.net/0ne00ABCDEF/registrations/${registrationId}/operations/op-99?api-version=2021-10-01`,
      "429",
      0.01,
    );
    recordDpsRequest(
      "POST",
      `https://dps.example.net/0ne00ABCDEF/registrations/${registrationId}`,
      "5xx",
      0.2,
    );
    metrics().signInThrottled.inc();
    const text = await (await get("/metrics", bearer)).text();
    for (const forbidden of [
      registrationId,
      "0ne00ABCDEF",
      "op-99",
      "dps.example.net",
      "@",
      sas,
      "SIGNATURE",
    ])
      expect(text).not.toContain(forbidden);
    const samples = parseExposition(text);
    expect(
      samples.find((s) => s.name === "hic_dps_requests_total" && s.labels.operation === "poll"),
    ).toMatchObject({
      labels: { outcome: "429" },
    });
  });

  it("normalises web requests to the build's route patterns, unknown paths to `other`", () => {
    const routeOf = routeMatcher(
      routePatterns([
        "/(app)/devices/[id]/page",
        "/(app)/devices/(list)/page",
        "/(app)/page",
        "/api/auth/[...nextauth]/route",
        "/api/devices/imports/[id]/report/route",
        "/_not-found/page",
      ]),
    );
    expect(routeOf("/devices/123")).toBe("/devices/[id]");
    expect(routeOf("/devices")).toBe("/devices");
    expect(routeOf("/devices/")).toBe("/devices");
    expect(routeOf("/")).toBe("/");
    expect(routeOf("/api/auth/callback/credentials")).toBe("/api/auth/[...nextauth]");
    expect(routeOf("/api/devices/imports/77/report")).toBe("/api/devices/imports/[id]/report");
    expect(routeOf("/wp-admin/setup.php")).toBe("other");
    expect(routeOf("/devices/1/2/3")).toBe("other");
    expect(routeOf("/_next/static/chunks/abc.js")).toBe("/_next");
  });
});

describe("label cardinality", () => {
  const valuesPerLabel = (samples: Sample[]) => {
    const seen = new Map<string, Set<string>>();
    for (const s of samples)
      for (const [key, value] of Object.entries(s.labels)) {
        const id = `${s.name.replace(/_(bucket|sum|count)$/, "")}.${key}`;
        if (key === "le") continue;
        if (!seen.has(id)) seen.set(id, new Set());
        seen.get(id)!.add(value);
      }
    return seen;
  };

  it(
    "stays bounded however many devices, hubs and registration IDs there are",
    { timeout: 60_000 },
    async () => {
      // 20,000 devices over 600 hubs in every status, and DPS requests for 5,000 different devices:
      // what grows with the fleet must not grow the label sets.
      await getDb().$client.query(
        `insert into devices (registration_id, created_by_email, status, assigned_hub)
       select 'card-' || i, 'owner' || i || '@example.com',
              (array['pending','assigning','assigned','failed','disabled'])[1 + i % 5]::device_status,
              case when i % 5 = 2 then 'hub-' || (i % 600) || '.azure-devices.net' end
         from generate_series(1, 20000) i`,
      );
      for (let i = 0; i < 5_000; i += 1)
        recordDpsRequest(
          "PUT",
          `https://dps.example.net/0ne00ABCDEF/registrations/card-${i}/register?api-version=2021-10-01`,
          "2xx",
          0.01,
        );
      const own = parseExposition(await (await get("/metrics", bearer)).text());
      const fleet = parseExposition(await (await get("/metrics/fleet", bearer)).text());
      const counts = valuesPerLabel([...own, ...fleet]);
      for (const [label, values] of counts) expect(values.size, label).toBeLessThanOrEqual(300);
      const hubs = counts.get("hic_devices.hub")!;
      expect(hubs.size).toBe(MAX_HUB_LABELS + 2); // the largest hubs, plus `none` and `other`
      expect(hubs).toContain("other");
      // Nothing is lost by bounding: the sum over the label is the whole fleet.
      expect(fleet.filter((s) => s.name === "hic_devices").reduce((sum, s) => sum + s.value, 0)).toBe(20_000);
      const text = JSON.stringify([...own, ...fleet]);
      expect(text).not.toContain("card-");
      expect(text).not.toContain("@example.com");
    },
  );
});
