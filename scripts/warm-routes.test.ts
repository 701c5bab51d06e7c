import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { routeHandlerPaths, warmRouteHandlers } from "@/scripts/warm-routes.mjs";

const KEYS = [
  "/(app)/devices/(list)/page",
  "/(app)/devices/[id]/page",
  "/api/auth/[...nextauth]/route",
  "/api/devices/import/route",
  "/api/devices/imports/[id]/report/route",
  "/api/health/route",
];

const roots: string[] = [];
function buildWith(keys: string[] | null): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "hic-warm-"));
  roots.push(root);
  if (keys) {
    mkdirSync(path.join(root, ".next", "server"), { recursive: true });
    writeFileSync(
      path.join(root, ".next", "server", "app-paths-manifest.json"),
      JSON.stringify(Object.fromEntries(keys.map((k) => [k, `app${k}.js`]))),
    );
  }
  return root;
}
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe("warming route handlers before the server takes traffic", () => {
  it("asks every route handler of the build, and no page, with dynamic segments filled", () => {
    expect(routeHandlerPaths(KEYS).sort()).toEqual(
      ["/api/auth/0", "/api/devices/import", "/api/devices/imports/0/report", "/api/health"].sort(),
    );
  });

  it("sends each one OPTIONS through the given listener and counts the answers", async () => {
    const seen: string[] = [];
    const warmed = await warmRouteHandlers(buildWith(KEYS), (req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.statusCode = 204;
      res.end();
    });
    expect(warmed).toBe(4);
    expect(seen.sort()).toEqual(
      [
        "OPTIONS /api/auth/0",
        "OPTIONS /api/devices/import",
        "OPTIONS /api/devices/imports/0/report",
        "OPTIONS /api/health",
      ].sort(),
    );
  });

  it("never keeps the server from starting: a failing handler or a missing build is skipped", async () => {
    let calls = 0;
    const warmed = await warmRouteHandlers(buildWith(KEYS), (req, res) => {
      calls++;
      if (req.url === "/api/devices/import") req.socket.destroy();
      else res.end();
    });
    expect(calls).toBe(4);
    expect(warmed).toBe(3);
    expect(await warmRouteHandlers(buildWith(null), () => undefined)).toBe(0);
  });
});
