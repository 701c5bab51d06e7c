import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/**
 * What the app exposes over HTTP, found by reading the code rather than listed by hand: every
 * server action ("use server" modules and inline "use server" functions), every route handler and
 * every page. A new one shows up here by itself, and the suite fails until it has an expectation.
 */
const ROOT = process.cwd();
const SOURCE_DIRS = ["app", "lib", "components"];
const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

function* sourceFiles(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name !== "node_modules") yield* sourceFiles(full);
    } else if (/\.(ts|tsx)$/.test(name) && !/\.test\.tsx?$/.test(name)) {
      yield full;
    }
  }
}

const rel = (file: string) => path.relative(ROOT, file).split(path.sep).join("/");

/** The file's directive prologue: comments, then string statements, before any code. */
function hasModuleDirective(source: string, directive: string): boolean {
  const body = source.replace(/^(\s*(\/\/[^\n]*\n|\/\*[\s\S]*?\*\/))*/, "");
  return new RegExp(`^\\s*["']${directive}["'];?`).test(body);
}

export type DiscoveredAction = { key: string; file: string; name: string };

export function discoverServerActions(): DiscoveredAction[] {
  const found: DiscoveredAction[] = [];
  for (const dir of SOURCE_DIRS) {
    for (const file of sourceFiles(path.join(ROOT, dir))) {
      const source = readFileSync(file, "utf8");
      if (hasModuleDirective(source, "use server")) {
        for (const match of source.matchAll(/export\s+(?:async\s+function\s+(\w+)|const\s+(\w+)\s*=)/g)) {
          const name = (match[1] ?? match[2])!;
          found.push({ key: `${rel(file)}#${name}`, file: rel(file), name });
        }
      } else {
        // An action defined inline in a server component: reachable, so it needs an expectation too.
        source.split("\n").forEach((line, index) => {
          if (/["']use server["']/.test(line))
            found.push({
              key: `${rel(file)}#inline@${index + 1}`,
              file: rel(file),
              name: `inline@${index + 1}`,
            });
        });
      }
    }
  }
  return found;
}

export type DiscoveredRoute = { key: string; file: string; method: string; pattern: string };

function urlPattern(file: string, leaf: string): string {
  const segments = rel(path.dirname(file))
    .split("/")
    .slice(1)
    .filter((s) => !/^\(.*\)$/.test(s));
  void leaf;
  return `/${segments.join("/")}`;
}

export function discoverRouteHandlers(): DiscoveredRoute[] {
  const found: DiscoveredRoute[] = [];
  for (const file of sourceFiles(path.join(ROOT, "app"))) {
    if (!/\/route\.tsx?$/.test(file)) continue;
    const source = readFileSync(file, "utf8");
    const methods = new Set<string>();
    for (const match of source.matchAll(/export\s+(?:async\s+)?function\s+([A-Z]+)/g)) methods.add(match[1]!);
    for (const match of source.matchAll(/export\s+const\s+\{([^}]*)\}/g))
      for (const name of match[1]!.split(","))
        methods.add(
          name
            .trim()
            .split(/\s+as\s+/)
            .pop()!
            .trim(),
        );
    for (const match of source.matchAll(/export\s+const\s+([A-Z]+)\s*=/g)) methods.add(match[1]!);
    for (const method of [...methods].filter((m) => HTTP_METHODS.includes(m))) {
      found.push({
        key: `${rel(file)}#${method}`,
        file: rel(file),
        method,
        pattern: urlPattern(file, "route"),
      });
    }
  }
  return found;
}

/** Every page's URL pattern (route groups removed), e.g. "/devices/[id]". */
export function discoverPages(): string[] {
  const pages: string[] = [];
  for (const file of sourceFiles(path.join(ROOT, "app")))
    if (/\/page\.tsx?$/.test(file)) pages.push(urlPattern(file, "page"));
  return pages.sort();
}

/** The build's id for each server action, and a page that serves it (from Next.js's server reference manifest). */
export function serverActionIds(): Map<string, { id: string; pagePattern: string }> {
  const file = path.join(ROOT, ".next", "server", "server-reference-manifest.json");
  const manifest = JSON.parse(readFileSync(file, "utf8")) as {
    node: Record<string, { workers: Record<string, unknown>; filename?: string; exportedName?: string }>;
  };
  const ids = new Map<string, { id: string; pagePattern: string }>();
  for (const [id, entry] of Object.entries(manifest.node)) {
    if (!entry.filename || !entry.exportedName) continue;
    const worker = Object.keys(entry.workers).find((w) => w.endsWith("/page"));
    if (!worker) continue;
    const pagePattern = `/${worker
      .split("/")
      .slice(1, -1)
      .filter((s) => !/^\(.*\)$/.test(s))
      .join("/")}`;
    ids.set(`${entry.filename}#${entry.exportedName}`, { id, pagePattern });
  }
  return ids;
}
