import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { contrastRatio, readHexTokens } from "./contrast";

const css = readFileSync(path.join(process.cwd(), "app", "globals.css"), "utf8");
const tokens = readHexTokens(css, ":root");
const color = (name: string) => {
  const value = tokens.get(name);
  if (!value) throw new Error(`--${name} is missing from app/globals.css`);
  return value;
};

// Text on its background: WCAG 2.1 AA asks 4.5:1 (1.4.3).
const TEXT_PAIRS: [string, string][] = [
  ["foreground", "background"],
  ["foreground", "muted"],
  ["card-foreground", "card"],
  ["popover-foreground", "popover"],
  ["muted-foreground", "background"],
  ["muted-foreground", "card"],
  ["muted-foreground", "muted"],
  ["primary-foreground", "primary"],
  ["primary-foreground", "primary-hover"],
  ["secondary-foreground", "secondary"],
  ["secondary-foreground", "secondary-hover"],
  ["accent-foreground", "accent"],
  ["destructive-foreground", "destructive"],
  ["destructive-foreground", "destructive-hover"],
  ["destructive", "card"],
  ["link", "background"],
  ["link", "card"],
  ["link", "muted"],
  ...(["info", "success", "warning", "danger"] as const).map((tone): [string, string] => [
    `${tone}-foreground`,
    tone,
  ]),
  ...(["neutral", "info", "success", "warning", "danger"] as const).map((tone): [string, string] => [
    `badge-${tone}-foreground`,
    `badge-${tone}`,
  ]),
  ["sidebar-foreground", "sidebar"],
  ["sidebar-muted-foreground", "sidebar"],
  ["sidebar-accent-foreground", "sidebar-accent"],
  ["sidebar-foreground", "sidebar-accent"],
];

// Component boundaries and focus rings: 3:1 (1.4.11).
const NON_TEXT_PAIRS: [string, string][] = [
  ["input", "card"],
  ["input", "background"],
  ["ring", "background"],
  ["ring", "card"],
  ["sidebar-ring", "sidebar"],
];

describe("theme tokens in app/globals.css", () => {
  it.each(TEXT_PAIRS)("text --%s on --%s meets AA (4.5:1)", (fg, bg) => {
    expect(contrastRatio(color(fg), color(bg))).toBeGreaterThanOrEqual(4.5);
  });

  it.each(NON_TEXT_PAIRS)("--%s against --%s meets AA for non-text (3:1)", (fg, bg) => {
    expect(contrastRatio(color(fg), color(bg))).toBeGreaterThanOrEqual(3);
  });
});

describe("contrastRatio", () => {
  it("is 21:1 for black on white and 1:1 for a colour on itself", () => {
    expect(contrastRatio("#000", "#fff")).toBeCloseTo(21, 5);
    expect(contrastRatio("#1d4ed8", "#1d4ed8")).toBe(1);
  });

  it("refuses what is not a hex colour", () => {
    expect(() => contrastRatio("oklch(0.5 0.1 200)", "#fff")).toThrow(/Not a hex colour/);
  });
});
