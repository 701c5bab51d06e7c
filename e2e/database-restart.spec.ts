import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { test, expect, type Page } from "@playwright/test";
import { expectNoAxeViolations } from "./support/axe";
import { signInTo, startLauncher, throwawayDataDir, type Launcher } from "./support/launcher";
import { startPostgresServer, type PostgresServer } from "./support/postgres-server";

const ADMIN = { email: "restart-admin@example.com", password: "restart-password-1" };

/** The page a signed-in person is on, read again until it shows the devices list (the page also retries by itself). */
async function expectDevicesPageBack(page: Page, timeoutMs: number): Promise<number> {
  const started = Date.now();
  await expect(page.getByRole("heading", { level: 1, name: "Devices" })).toBeVisible({ timeout: timeoutMs });
  return Date.now() - started;
}

async function stop(launcher: Launcher | null) {
  if (!launcher || launcher.child.exitCode !== null) return;
  launcher.child.kill("SIGTERM");
  await new Promise((resolve) => launcher.child.once("exit", resolve));
}

test.describe("the database going away under a running app", () => {
  test.describe.configure({ mode: "serial", timeout: 240_000 });
  let launcher: Launcher | null = null;
  let dataDir: ReturnType<typeof throwawayDataDir>;
  test.beforeEach(() => {
    dataDir = throwawayDataDir();
  });
  test.afterEach(async () => {
    await stop(launcher);
    launcher = null;
    dataDir.remove();
  });

  test("a server in DATABASE_URL stopped and started again: a plain 'database unavailable' page meanwhile, the app serving again by itself after", async ({
    page,
  }) => {
    const databaseDir = throwawayDataDir();
    let server: PostgresServer | null = await startPostgresServer(databaseDir.dir);
    try {
      launcher = await startLauncher(dataDir.dir, ADMIN, {
        DATABASE_URL: server.url,
        HIC_DPS_EMULATOR: "off",
      });
      await signInTo(page, launcher.url, ADMIN);
      await page.goto(`${launcher.url}/devices`);
      await expectDevicesPageBack(page, 15_000);

      const port = server.port;
      await server.stop();
      server = null;
      await page.reload();
      await expect(
        page.getByRole("heading", { level: 1, name: "The database is unavailable" }),
      ).toBeVisible();
      await expect(page.getByText(/tries again every few seconds/)).toBeVisible();
      // Plain words only: no error text, stack or digest.
      await expect(page.locator("body")).not.toContainText(/ECONNREFUSED|Error:|at async|digest/i);
      await expectNoAxeViolations(page, "the database unavailable page");

      server = await startPostgresServer(databaseDir.dir, port);
      expect(server.port).toBe(port);
      // Nobody reloads: the page tries again on its own.
      const backAfter = await expectDevicesPageBack(page, 20_000);
      test.info().annotations.push({
        type: "devices page back",
        description: `${(backAfter / 1000).toFixed(1)} s after PostgreSQL accepted connections again`,
      });
      expect(launcher.child.exitCode, launcher.output().slice(-3000)).toBeNull();
    } finally {
      await stop(launcher);
      launcher = null;
      await server?.stop();
      databaseDir.remove();
    }
  });

  test("the embedded PostgreSQL killed under npm start: the launcher starts it again and the app serves pages again", async ({
    page,
  }) => {
    launcher = await startLauncher(dataDir.dir, ADMIN, { HIC_DPS_EMULATOR: "off" });
    await signInTo(page, launcher.url, ADMIN);
    await page.goto(`${launcher.url}/devices`);
    await expectDevicesPageBack(page, 15_000);

    const record = path.join(dataDir.dir, "postgres.location");
    const clusterDir = existsSync(record)
      ? readFileSync(record, "utf8").trim()
      : path.join(dataDir.dir, "postgres");
    const postmaster = Number(readFileSync(path.join(clusterDir, "postmaster.pid"), "utf8").split("\n")[0]);
    // A crash, not a stop: nothing is told beforehand.
    process.kill(postmaster, "SIGKILL");

    await expect.poll(() => launcher!.output(), { timeout: 60_000 }).toMatch(/PostgreSQL is running again/);
    await page.reload();
    await expectDevicesPageBack(page, 30_000);
    expect(launcher.output()).toMatch(/PostgreSQL stopped unexpectedly/);
    expect(launcher.child.exitCode, launcher.output().slice(-3000)).toBeNull();
  });
});
