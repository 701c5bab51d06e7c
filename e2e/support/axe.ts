import { readFileSync } from "node:fs";
import type { AxeResults, RunOptions } from "axe-core";
import { expect, type Page } from "@playwright/test";

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
// Only the violations list every node they flagged; passes and the rest are summarised, which is
// far less for axe to build and send back.
const RUN_OPTIONS: RunOptions = { resultTypes: ["violations"] };

/**
 * Runs axe-core with all its WCAG 2.0/2.1 A and AA rules and its best practices on the page as it
 * is now, and fails on any violation, listing each rule with the elements it flagged.
 *
 * axe-core runs in the page itself (the app has no frames to reach into). It is evaluated once per
 * document rather than once per scan: @axe-core/playwright evaluates its half-megabyte source twice
 * a scan (in the page and in a blank page it opens to merge results), which was most of the time
 * the accessibility suite took.
 */
export async function expectNoAxeViolations(page: Page, what: string): Promise<void> {
  expect.soft(await axeViolations(page), `axe-core on ${what}`).toEqual([]);
}

/** Each rule the page violates now, with up to four of the elements it flagged. */
export async function axeViolations(page: Page): Promise<string[]> {
  const loaded = await page.evaluate(() => "axe" in window);
  if (!loaded) await page.evaluate(axeSource);
  const violations = await page.evaluate(
    async (options) =>
      (
        await (
          window as unknown as { axe: { run: (c: Document, o: RunOptions) => Promise<AxeResults> } }
        ).axe.run(document, options)
      ).violations,
    RUN_OPTIONS,
  );
  return violations.map(
    (v) =>
      `${v.impact ?? "?"} ${v.id} (${v.nodes.length}): ${v.help}\n    ${v.nodes
        .slice(0, 4)
        .map((n) => `${n.target.join(" ")} ${n.failureSummary?.split("\n")[1]?.trim() ?? ""}`)
        .join("\n    ")}`,
  );
}
