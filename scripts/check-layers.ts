/**
 * `npm run deps` (also part of `npm run lint`; `npm test` runs the same check in
 * tests/architecture.test.ts): the layers' rules of .dependency-cruiser.cjs, one line per broken
 * rule naming the importing file, the imported one and the rule. Through dependency-cruiser's API,
 * because its command line refuses Node.js 20.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ICruiseOptions, IForbiddenRuleType } from "dependency-cruiser";

const REPOSITORY = path.resolve(import.meta.dirname, "..");

/** The folders and root modules the rules speak of. */
export const CRUISED = [
  "app",
  "components",
  "lib",
  "db",
  "ops",
  "scripts",
  "emulators",
  "instrumentation.ts",
  "proxy.ts",
  "auth.ts",
];

export type LayerConfig = { forbidden: IForbiddenRuleType[]; options: ICruiseOptions };
export type Violation = { rule: string; from: string; to: string; line: string };

/** The rules for the tree at `root`, as .dependency-cruiser.cjs builds them (it reads "use client" and "server-only" from the files). */
export function layerConfig(root: string): LayerConfig {
  const config = createRequire(import.meta.url)("../.dependency-cruiser.cjs") as LayerConfig & {
    layerRules(root: string): LayerConfig;
  };
  return path.resolve(root) === REPOSITORY ? config : config.layerRules(root);
}

export async function checkLayers(
  root = REPOSITORY,
  targets = CRUISED,
  config = layerConfig(root),
): Promise<Violation[]> {
  // dependency-cruiser is published as ES modules only, and the scripts run as CommonJS.
  const [{ cruise }, { default: extractTSConfig }] = await Promise.all([
    import("dependency-cruiser"),
    import("dependency-cruiser/config-utl/extract-ts-config"),
  ]);
  const previous = process.cwd();
  // dependency-cruiser resolves the targets and reports paths relative to the working directory.
  process.chdir(root);
  try {
    const { tsConfig, ...options } = config.options;
    const result = await cruise(
      targets,
      {
        ...options,
        ...(tsConfig ? { tsConfig } : {}),
        ruleSet: { forbidden: config.forbidden },
        validate: true,
      },
      undefined,
      tsConfig?.fileName ? { tsConfig: extractTSConfig(tsConfig.fileName) } : undefined,
    );
    if (typeof result.output === "string") throw new Error("dependency-cruiser returned no module graph");
    const comments = new Map(config.forbidden.map((rule) => [rule.name, rule.comment ?? ""]));
    return result.output.summary.violations.map(({ rule, from, to }) => ({
      rule: rule.name,
      from,
      to,
      line: `${from} → ${to}: breaks "${rule.name}": ${comments.get(rule.name)}`,
    }));
  } finally {
    process.chdir(previous);
  }
}

async function main(): Promise<void> {
  const violations = await checkLayers();
  for (const violation of violations) console.error(violation.line);
  console.log(
    violations.length
      ? `[deps] ${violations.length} import(s) break the layers' rules`
      : "[deps] every import keeps the layers' rules",
  );
  process.exitCode = violations.length ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) void main();
