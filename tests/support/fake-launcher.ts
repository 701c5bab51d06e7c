/**
 * A stand-in for the launcher in the launcher's own tests: starts one child through
 * startNodeChild (a child that ignores SIGTERM and keeps a grandchild, like a web server that
 * will not stop while a long import runs), prints its pid, and then, if asked, exits without stopping it:
 *   node --import tsx tests/support/fake-launcher.ts [exit-after-ms]
 */
import { startNodeChild } from "@/ops/launcher/child-process";

export const STUBBORN_CHILD = `process.on("SIGTERM", () => {}); require("node:child_process").spawn("sleep", ["600"], { stdio: "ignore" }); setInterval(() => {}, 1000);`;

if (process.argv[1]?.endsWith("fake-launcher.ts")) {
  const child = startNodeChild(["-e", STUBBORN_CHILD], { stdio: "ignore" });
  console.log(child.child.pid);
  const exitAfter = Number(process.argv[2]);
  if (exitAfter > 0) setTimeout(() => process.exit(3), exitAfter);
  setInterval(() => {}, 1_000);
}
