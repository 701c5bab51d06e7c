import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/** The rules the layout relies on, checked on the sources so they cannot erode unnoticed. */

const SKIP = new Set(["node_modules", ".next", ".data", "test-results", "playwright-report", ".git"]);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return SKIP.has(entry.name) ? [] : sources(file);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [file] : [];
  });
}

const ALL = sources(".").map((file) => file.replace(/^\.\//, ""));
const isTest = (file: string) =>
  /\.test\.tsx?$/.test(file) ||
  /(^|\/)test-support\.ts$/.test(file) ||
  /^(tests|e2e|bench)\//.test(file) ||
  file === "playwright.config.ts";
const APP = ALL.filter((file) => !isTest(file) && !file.startsWith("scripts/"));
const importsOf = (file: string) =>
  [...readFileSync(file, "utf8").matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map(
    (match) => match[1]!,
  );

describe("the layout's rules", () => {
  it("reads the environment only in lib/env.ts (plus Next.js's own NEXT_RUNTIME switch)", () => {
    const readers = APP.filter(
      (file) =>
        file !== "lib/env.ts" &&
        /process\.env(?!\.NEXT_RUNTIME\b)/.test(readFileSync(file, "utf8").replace(/^\s*(\*|\/\/).*$/gm, "")),
    );
    expect(readers).toEqual([]);
  });

  it("keeps the actions on top: nothing else under lib/ imports lib/actions", () => {
    const offenders = APP.filter(
      (file) => file.startsWith("lib/") && !file.startsWith("lib/actions/"),
    ).filter((file) =>
      importsOf(file).some((spec) => spec.startsWith("@/lib/actions/") || spec.includes("/actions/")),
    );
    expect(offenders).toEqual([]);
  });

  it("lets the emulators (DPS, IoT Hub) use only lib/dps's pure protocol code from the app", () => {
    const emulator = APP.filter((file) => file.startsWith("emulators/"));
    expect(emulator.length).toBeGreaterThan(10);
    const appImports = emulator.flatMap((file) =>
      importsOf(file)
        .filter((spec) => spec.startsWith("@/"))
        .map((spec) => `${file}: ${spec}`),
    );
    expect(
      appImports.filter(
        (line) => !/: @\/lib\/dps\/(derive-device-key|sas|service\/(sas|rights|wire))$/.test(line),
      ),
    ).toEqual([]);
  });
});
