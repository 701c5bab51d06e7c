import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type { Page } from "@playwright/test";
import { pickPort } from "@/ops/postgres/free-port";

export type Launcher = { child: ChildProcess; url: string; output: () => string };

/** A data directory of its own, removed with its cluster (which may live outside it, see postgres.location). */
export function throwawayDataDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "hic-launcher-"));
  chmodSync(dir, 0o755);
  return {
    dir,
    remove: () => {
      const record = path.join(dir, "postgres.location");
      if (existsSync(record))
        rmSync(path.dirname(readFileSync(record, "utf8").trim()), { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `npm start`'s launcher as a user runs it (node directly, as `npm run` does not pass SIGTERM
 * on), with embedded PostgreSQL (unless `env` gives a DATABASE_URL) and the emulator in `dataDir`,
 * an administrator from the environment, and the build `npm test` made.
 */
export async function startLauncher(
  dataDir: string,
  admin: { email: string; password: string },
  env: Record<string, string> = {},
): Promise<Launcher> {
  const port = await pickPort(0);
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: process.cwd(),
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      DATABASE_URL: "",
      HIC_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: "127.0.0.1",
      HIC_ADMIN_EMAIL: admin.email,
      HIC_ADMIN_PASSWORD: admin.password,
      LOG_LEVEL: "warn",
      ...env,
    },
  });
  let output = "";
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /\[hic\] Ready: (\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) =>
      reject(new Error(`The launcher exited (code ${code}) before it was ready:\n${output.slice(-3000)}`)),
    );
  });
  return { child, url, output: () => output };
}

/** Signs in through the sign-in page of the app at `url` and returns the Cookie header of the session. */
export async function signInTo(
  page: Page,
  url: string,
  account: { email: string; password: string },
): Promise<string> {
  await page.goto(`${url}/sign-in`);
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText(account.email).waitFor();
  return (await page.context().cookies(url)).map((c) => `${c.name}=${c.value}`).join("; ");
}

/**
 * A CSV import whose upload never finishes, the longest request there is: Next.js waits for it
 * when told to stop. Resolves once the server has taken the request (it answered
 * `100 Continue`) and the first rows are sent.
 */
export function startEndlessImport(url: string, cookie: string): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${url}/api/devices/import`, {
      method: "POST",
      headers: {
        Cookie: cookie,
        Origin: url,
        "Content-Type": "text/csv",
        "X-File-Name": "endless.csv",
        Expect: "100-continue",
      },
    });
    request.on("error", () => {}); // the server goes away mid-upload: that is the point
    request.once("continue", () => {
      request.write("registrationId,name\n");
      for (let i = 0; i < 20_000; i++) request.write(`endless-${i},Device ${i}\n`);
      resolve(request);
    });
    request.once("response", (response) =>
      reject(new Error(`The import was answered (HTTP ${response.statusCode}) before its upload ended.`)),
    );
    request.flushHeaders();
  });
}
