import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/** The suite's figures (for the README's Security section), added up across its spec files. */
const FILE = path.join(process.cwd(), "test-results", "adversarial-summary.json");

export type Figures = Record<string, number>;

export function addFigures(figures: Figures): void {
  mkdirSync(path.dirname(FILE), { recursive: true });
  let current: Figures = {};
  try {
    current = JSON.parse(readFileSync(FILE, "utf8")) as Figures;
  } catch {
    current = {};
  }
  for (const [key, value] of Object.entries(figures)) current[key] = (current[key] ?? 0) + value;
  writeFileSync(FILE, `${JSON.stringify(current, null, 2)}\n`);
  console.log(
    `[adversarial] ${Object.entries(figures)
      .map(([k, v]) => `${k}: ${v}`)
      .join(", ")}`,
  );
}
