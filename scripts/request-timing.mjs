/**
 * Page, server action and API timings for the production web server (scripts/web-server.mjs), by
 * route pattern (`/devices/[id]`, never `/devices/123`): the patterns come from the build's own
 * route table (.next/server/app-paths-manifest.json), and a path matching none counts as `other`,
 * so neither device IDs nor a scanner's invented URLs grow the label set. The histogram itself is
 * the app's (lib/observability/metrics.ts), found on `globalThis` once instrumentation.ts made it;
 * with metrics off nothing is recorded.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

const METRICS = Symbol.for("hic.metrics");

/** App Router file keys (`/(app)/devices/[id]/page`) → URL patterns (`/devices/[id]`), most specific first. */
export function routePatterns(manifestKeys) {
  const patterns = new Set();
  for (const key of manifestKeys) {
    if (!/\/(page|route)$/.test(key)) continue;
    const segments = key
      .split("/")
      .slice(1, -1)
      .filter((segment) => !/^\(.*\)$/.test(segment) && !segment.startsWith("@"));
    patterns.add(`/${segments.join("/")}`);
  }
  const dynamicCount = (pattern) => (pattern.match(/\[/g) ?? []).length;
  return [...patterns].sort((a, b) => dynamicCount(a) - dynamicCount(b) || b.length - a.length);
}

function compile(pattern) {
  const source = pattern
    .split("/")
    .map((segment) => {
      if (/^\[\[\.\.\..+\]\]$/.test(segment)) return "(?:/.*)?";
      if (/^\[\.\.\..+\]$/.test(segment)) return "/.+";
      if (/^\[.+\]$/.test(segment)) return "/[^/]+";
      return segment === "" ? "" : `/${segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`;
    })
    .join("");
  return new RegExp(`^${source || "/"}$`);
}

/** A function from a request's path to its route pattern, or `other`. */
export function routeMatcher(patterns) {
  const compiled = patterns.map((pattern) => ({ pattern, regex: compile(pattern) }));
  return (pathname) => {
    if (pathname.startsWith("/_next/")) return "/_next";
    const trimmed = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
    return compiled.find(({ regex }) => regex.test(trimmed))?.pattern ?? "other";
  };
}

export function requestKind(req, route) {
  if (route === "/_next") return "static";
  if (req.method === "POST" && req.headers["next-action"]) return "action";
  if (route.startsWith("/api/")) return "api";
  return "page";
}

/** The build's App Router file keys (`/(app)/devices/[id]/page`), or none without a build. */
export function routeKeys(dir) {
  try {
    return Object.keys(
      JSON.parse(readFileSync(path.join(dir, ".next/server/app-paths-manifest.json"), "utf8")),
    );
  } catch {
    return [];
  }
}

/** Returns a per-request hook: call it as the request arrives; it records when the answer is sent. */
export function requestTimer(dir) {
  const routeOf = routeMatcher(routePatterns(routeKeys(dir)));
  return (req, res) => {
    const metrics = globalThis[METRICS];
    if (!metrics) return;
    const startedAt = performance.now();
    res.once("finish", () => {
      let pathname = "/";
      try {
        pathname = new URL(req.url ?? "/", "http://x").pathname;
      } catch {
        pathname = "other";
      }
      const route = routeOf(pathname);
      metrics.httpRequestDuration.observe(
        {
          kind: requestKind(req, route),
          route,
          method: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"].includes(req.method)
            ? req.method
            : "other",
          status_class: `${Math.min(5, Math.max(1, Math.floor(res.statusCode / 100)))}xx`,
        },
        (performance.now() - startedAt) / 1000,
      );
    });
  };
}
