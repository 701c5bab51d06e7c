import { test, expect, type Page } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import journal from "@/db/migrations/meta/_journal.json";
import {
  actionIds,
  buildIn,
  crossServerActions,
  stopBuilds,
  copyProject,
  startBareWebServer,
  startInstance,
  startRoundRobin,
  type Balancer,
  type Emulator,
  type Instance,
} from "./support/fleet";
import { FleetStage, startTogether } from "./support/fleet-setup";
import { queryOn } from "@/tests/support/query-on";

/**
 * Outgrowing one machine: two web servers built separately (this checkout's build and a copy of
 * the project that builds on its own, as a second machine would) and a worker, all on one empty
 * database, behind a round-robin balancer that sends every request to the other server. Then the
 * same flow without the shared server-actions key, to show what the test would catch.
 */

const root = process.cwd();
const ADMIN = { email: "fleet-admin@example.com", password: "fleet-admin-password-1" };
const run = Date.now().toString(36);

const buildIdOf = (dir: string) => readFileSync(path.join(dir, ".next", "BUILD_ID"), "utf8").trim();

/** Devices → Add device: a server action that provisions the device at once. */
async function addDevice(page: Page, registrationId: string, timeout: number): Promise<void> {
  await page.goto("/devices");
  await page.getByRole("button", { name: "Add device" }).click();
  const addDialog = page.getByRole("dialog", { name: "Add device" });
  await addDialog.getByLabel("Registration ID").fill(registrationId);
  await addDialog.getByRole("button", { name: "Add device" }).click();
  await expect(page.getByText(new RegExp(`${registrationId} is on hic-demo-hub-`))).toBeVisible({ timeout });
}

/**
 * The administrator's path through the app: sign in, connect Azure DPS in the dialog, add a
 * device, import a CSV, re-provision a device. `timeout` bounds each wait.
 */
async function connectAddImportReprovision(
  page: Page,
  databaseUrl: string,
  emulator: Emulator,
  prefix: string,
  timeout: number,
): Promise<void> {
  // Every click, fill and navigation too: a page whose scripts came from the other build never
  // hydrates, and an action on it would otherwise wait for the whole test's timeout.
  page.setDefaultTimeout(timeout);
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText(ADMIN.email)).toBeVisible({ timeout });

  await page.goto("/admin/hyperscaler-integration-center");
  const connect = page.getByRole("button", { name: "Connect", exact: true });
  const edit = page.getByRole("button", { name: "Edit", exact: true });
  // The tile streams in after the page: wait for it before deciding whether to connect.
  await expect(connect.or(edit)).toBeVisible({ timeout });
  if (await connect.isVisible()) {
    await connect.click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("ID Scope").fill(emulator.idScope);
    await dialog.getByLabel("Enrollment group key", { exact: true }).fill(emulator.groupKey);
    await dialog.getByLabel("Device Provisioning Service hostname").fill(emulator.host);
    await dialog.getByRole("button", { name: "Save" }).click();
    await expect(dialog).toBeHidden({ timeout });
  }
  await expect(edit).toBeVisible({ timeout });

  const added = `${prefix}-add`;
  await addDevice(page, added, timeout);

  await page.getByRole("button", { name: "Import CSV" }).click();
  const importDialog = page.getByRole("dialog", { name: "Import devices from CSV" });
  const csv = ["registrationId,name", ...[1, 2, 3].map((i) => `${prefix}-csv-${i},Imported ${i}`)].join("\n");
  await importDialog
    .getByLabel("CSV file")
    .setInputFiles({ name: "fleet.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await importDialog.getByRole("button", { name: "Import" }).click();
  await expect(importDialog.getByRole("status")).toContainText("3 added", { timeout });
  await page.keyboard.press("Escape");
  // Queued provisioning: only the worker instance runs a provisioning worker.
  await expect
    .poll(
      async () =>
        (
          await queryOn(
            databaseUrl,
            "select 1 from devices where registration_id like $1 and status = 'assigned'",
            [`${prefix}-csv-%`],
          )
        ).length,
      { timeout: Math.max(timeout, 30_000) },
    )
    .toBe(3);

  await page.goto(`/devices?q=${added}`);
  await page.getByRole("link", { name: added }).click();
  await expect(page.getByRole("heading", { name: added })).toBeVisible({ timeout });
  await page.getByRole("button", { name: "Re-provision" }).click();
  await expect(page.getByText(/Provisioned onto hic-demo-hub-/)).toBeVisible({ timeout });
  await expect(
    page
      .getByRole("list", { name: "Provisioning history" })
      .getByRole("listitem")
      .filter({ hasNotText: /Hub check/ }),
  ).toHaveCount(2, { timeout });
}

test.describe("two web servers and a worker on one database, behind a round-robin load balancer", () => {
  test.describe.configure({ mode: "serial", timeout: 600_000 });
  test.skip(process.platform !== "linux", "process groups and hard links");

  const stage = new FleetStage("fleet", ADMIN);
  const actionsKey = stage.secrets.NEXT_SERVER_ACTIONS_ENCRYPTION_KEY;
  let databaseUrl = "";
  let emulator: Emulator;
  let secondMachine: ReturnType<typeof copyProject>;
  const instances: Instance[] = [];
  let webA: Instance;
  let webB: Instance;
  let balancer: Balancer | null = null;
  const logs = path.join(root, "test-results");

  test.beforeAll(async () => {
    test.setTimeout(600_000); // a build of its own
    expect(actionsKey, "npm test passes the build's NEXT_SERVER_ACTIONS_ENCRYPTION_KEY").not.toBe("");
    ({ databaseUrl, emulator } = await stage.start());
    secondMachine = copyProject(root);
    // The second machine builds on its own, with the deployment's key: the launcher would do the same.
    await buildIn(secondMachine.dir, actionsKey, path.join(logs, "fleet-build-b.log"));
  });

  test.afterAll(async () => {
    stopBuilds();
    await balancer?.close();
    await Promise.all(instances.map((instance) => instance.stop()));
    secondMachine?.remove();
    await stage.stop();
  });

  async function instanceEnv(role: "web" | "worker"): Promise<Record<string, string>> {
    const env = await stage.instanceEnv(role);
    return {
      ...env,
      HIC_TRUSTED_PROXIES: "127.0.0.2",
      // Info: the instances' logs say which of them started a provisioning worker.
      LOG_LEVEL: "info",
    };
  }

  test("two builds of the same sources with the same key are interchangeable: same build ID, same server-action IDs", () => {
    expect(buildIdOf(secondMachine.dir)).toBe(buildIdOf(root));
    expect(actionIds(secondMachine.dir)).toEqual(actionIds(root));
  });

  test("started at the same moment on an empty database: migrations applied once, every instance serves", async () => {
    const [envA, envB, envWorker] = await Promise.all([
      instanceEnv("web"),
      instanceEnv("web"),
      instanceEnv("worker"),
    ]);
    await startTogether(instances, [
      startInstance("web A", root, envA, { logFile: path.join(logs, "fleet-web-a.log") }),
      startInstance("web B", secondMachine.dir, envB, { logFile: path.join(logs, "fleet-web-b.log") }),
      startInstance("worker", root, envWorker, { logFile: path.join(logs, "fleet-worker.log") }),
    ]);
    [webA, webB] = instances as [Instance, Instance];

    const migrations = await queryOn<{ hash: string }>(
      databaseUrl,
      "select hash from drizzle.__drizzle_migrations",
    );
    expect(migrations).toHaveLength(journal.entries.length);
    expect(new Set(migrations.map((m) => m.hash)).size).toBe(journal.entries.length);
    for (const web of [webA, webB]) {
      const ready = await fetch(`${web.url}/api/ready`);
      expect(ready.status, web.name).toBe(200);
      expect(await ready.json()).toMatchObject({
        status: "ready",
        checks: { database: "ok", migrations: "current", build: "current" },
        engine: { workers: 1 },
      });
      expect(web.output(), `${web.name} runs no provisioning worker (HIC_ROLE=web)`).not.toContain(
        "provisioning worker started",
      );
    }
    expect(instances[2]!.output()).toContain("provisioning worker started");
    const fleet = await queryOn<{ role: string; serving: boolean }>(
      databaseUrl,
      "select role, serving from fleet_instances order by role",
    );
    expect(fleet).toEqual([
      { role: "web", serving: true },
      { role: "web", serving: true },
      { role: "worker", serving: true },
    ]);
    // Both web servers raced to create the administrator; one did.
    expect(await queryOn(databaseUrl, "select 1 from users")).toHaveLength(1);
  });

  test("connect, add a device, import a CSV and re-provision through the balancer, every request alternating between the servers", async ({
    browser,
  }) => {
    balancer = await startRoundRobin([webA.url!, webB.url!]);
    const context = await browser.newContext({
      baseURL: balancer.url,
      storageState: { cookies: [], origins: [] },
    });
    const forwarded = balancer.forwarded;
    const actionsBy = (server: number) => forwarded.filter((f) => f.action && f.upstream === server).length;
    try {
      const page = await context.newPage();
      await connectAddImportReprovision(page, databaseUrl, emulator, `fleet-${run}`, 15_000);
      // Strict alternation decides which server gets each call by the parity of the requests before
      // it. Until both servers have answered an action and one action was answered by the other
      // server than the one that rendered its page, the user adds more devices (rarely needed).
      for (
        let more = 1;
        actionsBy(0) === 0 || actionsBy(1) === 0 || crossServerActions(forwarded).length === 0;
        more++
      ) {
        expect(
          more,
          "a form rendered by one server and sent to the other, within 10 more devices",
        ).toBeLessThanOrEqual(10);
        await addDevice(page, `fleet-${run}-more-${more}`, 15_000);
      }
    } finally {
      await context.close();
    }

    const perServer = [0, 1].map((i) => forwarded.filter((f) => f.upstream === i));
    const crossing = crossServerActions(forwarded);
    const figures = `${forwarded.length} requests: web A ${perServer[0]!.length}, web B ${perServer[1]!.length}; server actions ${actionsBy(0)} / ${actionsBy(1)}, ${crossing.length} answered by the other server than the page's`;
    test.info().annotations.push({ type: "requests", description: figures });
    console.log(`[fleet] ${figures}`);
    forwarded.forEach((f, i) => expect(f.upstream, `request ${i} (${f.method} ${f.path})`).toBe(i % 2));
    expect(Math.abs(perServer[0]!.length - perServer[1]!.length)).toBeLessThanOrEqual(1);
    for (const requests of perServer) {
      expect(requests.length).toBeGreaterThan(20);
      expect(
        requests.filter((f) => f.action).length,
        "server actions answered by each server",
      ).toBeGreaterThanOrEqual(1);
    }
    expect(
      forwarded.filter((f) => f.status >= 500 || f.actionNotFound),
      "failed requests",
    ).toEqual([]);
    for (const web of [webA, webB]) expect(web.output()).not.toContain("Failed to find Server Action");

    // The servers saw the balancer's address (127.0.0.2) and, trusting it, recorded the browser's.
    const [signIn] = await queryOn<{ client_address: string }>(
      databaseUrl,
      "select client_address from audit_log where action = 'auth.sign-in' and outcome = 'success' order by id desc limit 1",
    );
    expect(signIn?.client_address).toBe("127.0.0.1");
  });

  test("without the shared key: the launcher refuses to start, and a server started without that check breaks the same flow", async ({
    browser,
  }) => {
    const otherKey = randomBytes(32).toString("base64");
    const refused = await startInstance(
      "web C",
      secondMachine.dir,
      { ...(await instanceEnv("web")), NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: otherKey },
      { expectExit: true, timeoutMs: 60_000 },
    );
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toMatch(
      /\[hic\] Refusing to start: NEXT_SERVER_ACTIONS_ENCRYPTION_KEY differs from the one the running web servers use \(2 running: /,
    );
    expect(refused.output(), "refused before building anything").not.toContain("Building the app");

    // The second machine builds without the deployment's key (Next.js draws one) and serves without the launcher.
    await webB.stop();
    await buildIn(secondMachine.dir, null, path.join(logs, "fleet-build-c.log"));
    expect(actionIds(secondMachine.dir)).not.toEqual(actionIds(root));
    const envC = await instanceEnv("web");
    const bare = await startBareWebServer(
      secondMachine.dir,
      { ...process.env, ...envC, HIC_WORKER: "off", NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: "" },
      path.join(logs, "fleet-web-c-bare.log"),
    );
    instances.push(bare);
    balancer!.setUpstream(1, bare.url!);
    balancer!.forwarded.length = 0;

    const context = await browser.newContext({
      baseURL: balancer!.url,
      storageState: { cookies: [], origins: [] },
    });
    const outcome = await connectAddImportReprovision(
      await context.newPage(),
      databaseUrl,
      emulator,
      `broken-${run}`,
      5_000,
    ).then(
      () => "completed",
      (error: Error) => error.message.split("\n")[0],
    );
    await context.close();
    test.info().annotations.push({ type: "the flow stopped at", description: outcome });
    // What the other build cannot answer: its server actions ("not found"), or the page's script chunks (404).
    const otherBuild = balancer!.forwarded.filter(
      (f) => f.actionNotFound || (f.status === 404 && f.path.startsWith("/_next/static/")),
    );
    const actionsNotFound = otherBuild.filter((f) => f.actionNotFound).length;
    console.log(
      `[fleet] without the shared key the flow stopped at: ${outcome}; ${actionsNotFound} server-action calls not found, ${otherBuild.length - actionsNotFound} script chunks missing`,
    );
    expect(outcome).not.toBe("completed");
    expect(otherBuild.length, "requests only the other build could answer").toBeGreaterThan(0);
    if (actionsNotFound > 0) expect(webA.output() + bare.output()).toContain("Failed to find Server Action");
  });
});
