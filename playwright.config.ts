import { defineConfig, devices } from "@playwright/test";
import { existsSync } from "node:fs";

const baseURL = process.env.E2E_BASE_URL;
if (!baseURL)
  throw new Error("Run the end-to-end tests through `npm test` (scripts/test.ts starts the app for them).");

// Playwright cannot download its browser here; Debian's Chromium works when installed.
const systemChromium = "/usr/bin/chromium";

export default defineConfig({
  testDir: "./e2e",
  outputDir: "test-results/e2e",
  // One app and one database for the run: flows share accounts, so they run one at a time.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [
    ["list"],
    ["json", { outputFile: process.env.E2E_JSON_REPORT ?? "test-results/e2e-report.json" }],
  ],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: existsSync(systemChromium) ? systemChromium : undefined,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  projects: [
    { name: "setup", testMatch: /.*\.setup\.ts/ },
    {
      name: "chromium",
      use: { ...devices["Desktop Chrome"] },
      dependencies: ["setup"],
      testIgnore: [/.*\.setup\.ts/, /adversarial\//],
    },
    // Last: its hundreds of refused and fuzzed requests fill the audit log the flows above read.
    {
      name: "adversarial",
      use: { ...devices["Desktop Chrome"] },
      dependencies: ["setup"],
      testMatch: /adversarial\/.*\.spec\.ts/,
    },
  ],
});
