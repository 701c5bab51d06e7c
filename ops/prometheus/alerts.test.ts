import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

// Debian's `prometheus` package brings promtool; .ci/run installs it and sets HIC_REQUIRE_PROMTOOL,
// so in CI a missing promtool fails here instead of skipping.
const promtool = spawnSync("promtool", ["--version"]).status === 0;
const required = process.env.HIC_REQUIRE_PROMTOOL === "1";
const dir = path.dirname(new URL(import.meta.url).pathname);

function run(...args: string[]) {
  const result = spawnSync("promtool", args, { cwd: dir, encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("the Prometheus alert rules", () => {
  it("need promtool where CI asks for it", () => {
    if (required) expect(promtool, "promtool (Debian package `prometheus`) is not installed").toBe(true);
  });

  it.skipIf(!promtool)("are valid rules, six of them", () => {
    const { status, output } = run("check", "rules", "alerts.yml");
    expect(output).toContain("SUCCESS: 6 rules found");
    expect(status).toBe(0);
  });

  it.skipIf(!promtool)("fire on the series they watch, after their `for`, and not before", () => {
    const { status, output } = run("test", "rules", "alerts.test.yml");
    expect(output).toContain("SUCCESS");
    expect(status).toBe(0);
  });
});
