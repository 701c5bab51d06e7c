import type { ChildProcess } from "node:child_process";
import { test, expect } from "@playwright/test";
import {
  descendantsOf,
  describeProcesses,
  stillRunning,
  type ProcessRef,
} from "@/tests/support/process-tree";
import { signInTo, startEndlessImport, startLauncher, throwawayDataDir } from "./support/launcher";

const ADMIN = { email: "launcher-admin@example.com", password: "launcher-password-1" };

function exitCodeOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/** The launcher and everything below it, as /proc shows them now. */
function processTree(pid: number): ProcessRef[] {
  const self = descendantsOf(process.pid).find((p) => p.pid === pid);
  return [...(self ? [self] : []), ...descendantsOf(pid)];
}

test.describe("stopping npm start", () => {
  test.describe.configure({ mode: "serial", timeout: 180_000 });
  test.skip(process.platform !== "linux", "reads the process tree from /proc");
  let dataDir: ReturnType<typeof throwawayDataDir>;
  let leftovers: ProcessRef[] = [];
  test.beforeAll(() => {
    dataDir = throwawayDataDir();
  });
  test.afterEach(() => {
    for (const p of stillRunning(leftovers)) process.kill(p.pid, "SIGKILL");
  });
  test.afterAll(() => dataDir.remove());

  test("SIGTERM to the launcher while an import is uploading stops every process it started within 30 s", async ({
    page,
  }) => {
    const launcher = await startLauncher(dataDir.dir, ADMIN);
    const cookie = await signInTo(page, launcher.url, ADMIN);
    const upload = await startEndlessImport(launcher.url, cookie);
    const tree = (leftovers = processTree(launcher.child.pid!));
    expect(tree.map((p) => p.command)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^next-server/), "postgres"]),
    );

    const stopping = Date.now();
    launcher.child.kill("SIGTERM");
    await expect
      .poll(() => describeProcesses(stillRunning(tree)), { timeout: 30_000, intervals: [250] })
      .toBe("");
    test.info().annotations.push({
      type: "stopped in",
      description: `${((Date.now() - stopping) / 1000).toFixed(1)} s, ${tree.length} processes`,
    });
    // A zombie counts as stopped above, but Node learns the exit code only when it reaps the
    // child: wait for that rather than reading exitCode while it is still null.
    expect(await exitCodeOf(launcher.child), launcher.output().slice(-3000)).toBe(0);
    upload.destroy();
  });

  test("kill -9 of the launcher: the web server and PostgreSQL notice and exit by themselves", async ({
    page,
  }) => {
    const launcher = await startLauncher(dataDir.dir, ADMIN);
    await signInTo(page, launcher.url, ADMIN);
    const tree = (leftovers = processTree(launcher.child.pid!));
    expect(tree.map((p) => p.command)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^next-server/), "postgres"]),
    );

    launcher.child.kill("SIGKILL");
    await expect
      .poll(() => describeProcesses(stillRunning(tree)), { timeout: 30_000, intervals: [250] })
      .toBe("");
  });
});
