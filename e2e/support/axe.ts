import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

/**
 * Runs axe-core with all its WCAG 2.0/2.1 A and AA rules and its best practices on the page as it
 * is now, and fails on any violation, listing each rule with the elements it flagged.
 */
export async function expectNoAxeViolations(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const found = results.violations.map(
    (v) =>
      `${v.impact ?? "?"} ${v.id} (${v.nodes.length}): ${v.help}\n    ${v.nodes
        .slice(0, 4)
        .map((n) => `${n.target.join(" ")} ${n.failureSummary?.split("\n")[1]?.trim() ?? ""}`)
        .join("\n    ")}`,
  );
  expect.soft(found, `axe-core on ${what}`).toEqual([]);
}
