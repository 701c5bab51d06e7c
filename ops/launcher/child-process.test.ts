import { spawn } from "node:child_process";
import path from "node:path";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import {
  descendantsOf,
  describeProcesses,
  stillRunning,
  type ProcessRef,
} from "@/tests/support/process-tree";
import { STUBBORN_CHILD } from "@/tests/support/fake-launcher";
import { startNodeChild } from "./child-process";

const root = path.resolve(import.meta.dirname, "../..");

/** A stand-in for the launcher (tests/support/fake-launcher.ts), which exits by itself after `exitAfterMs` if given. */
function fakeLauncher(exitAfterMs?: number) {
  return spawn(
    process.execPath,
    ["--import", "tsx", "tests/support/fake-launcher.ts", ...(exitAfterMs ? [String(exitAfterMs)] : [])],
    { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
  );
}

async function firstLine(child: ReturnType<typeof fakeLauncher>): Promise<number> {
  const [chunk] = (await once(child.stdout!, "data")) as [Buffer];
  return Number(chunk.toString().trim());
}

describe.runIf(process.platform === "linux")("the launcher's children", () => {
  // Whatever a failing test leaves behind.
  let tree: ProcessRef[] = [];
  afterEach(() => {
    for (const p of stillRunning(tree)) process.kill(p.pid, "SIGKILL");
  });

  it(
    "are stopped with their whole process group, SIGKILL after the grace period, when they ignore SIGTERM",
    { timeout: 30_000 },
    async () => {
      const server = startNodeChild(["-e", STUBBORN_CHILD], { stdio: "ignore" });
      await new Promise((r) => setTimeout(r, 500));
      tree = [
        ...descendantsOf(process.pid).filter((p) => p.pid === server.child.pid),
        ...descendantsOf(server.child.pid!),
      ];
      expect(tree.map((p) => p.command)).toEqual(expect.arrayContaining(["sleep"]));
      const started = Date.now();
      await server.stop(1_000);
      expect(Date.now() - started).toBeLessThan(6_000);
      await expect.poll(() => describeProcesses(stillRunning(tree)), { timeout: 5_000 }).toBe("");
    },
  );

  it("exit on their own when the launcher is killed with SIGKILL", { timeout: 30_000 }, async () => {
    const launcher = fakeLauncher();
    const childPid = await firstLine(launcher);
    await new Promise((r) => setTimeout(r, 500));
    tree = descendantsOf(launcher.pid!);
    expect(tree.map((p) => p.pid)).toContain(childPid);
    launcher.kill("SIGKILL");
    // The watchdog notices within a second; a child that ignores SIGTERM is gone five seconds later.
    await expect
      .poll(() => describeProcesses(stillRunning(tree)), { timeout: 15_000, interval: 250 })
      .toBe("");
  });

  it("are killed when the launcher exits without stopping them", { timeout: 30_000 }, async () => {
    const launcher = fakeLauncher(800);
    const childPid = await firstLine(launcher);
    await new Promise((r) => setTimeout(r, 300));
    tree = descendantsOf(launcher.pid!);
    expect(tree.map((p) => p.pid)).toContain(childPid);
    expect(tree.map((p) => p.command)).toContain("sleep");
    const [code] = (await once(launcher, "exit")) as [number];
    expect(code).toBe(3);
    // Killed at once, not by the one-second watchdog and its five-second fallback.
    await expect
      .poll(() => describeProcesses(stillRunning(tree)), { timeout: 2_000, interval: 100 })
      .toBe("");
  });
});
