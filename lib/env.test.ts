import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { tempDirs } from "@/tests/support/temp-dirs";
import { configurationTable, EnvError, parseEnv } from "./env";

const tempDir = tempDirs("hic-env-");

/** The table lines of the README's "## Configuration" section. */
function readmeConfigurationTable(): string[] {
  const readme = readFileSync(path.join(process.cwd(), "README.md"), "utf8");
  const section = readme.split(/^## /m).find((part) => part.startsWith("Configuration\n"));
  if (!section) throw new Error("The README has no '## Configuration' section.");
  return section.split("\n").filter((line) => line.startsWith("|"));
}

describe("configuration", () => {
  it("is documented in the README exactly as lib/env.ts defines it, variable by variable", () => {
    const expected = configurationTable();
    // On a mismatch, the message carries the table to paste into the README.
    expect(
      readmeConfigurationTable(),
      `README.md's configuration table is out of date; it should read:\n\n${expected.join("\n")}\n`,
    ).toEqual(expected);
  });

  it("applies the documented defaults when nothing is set, and reads an empty value as unset", () => {
    const config = parseEnv({ HIC_DATA_DIR: "", HIC_ADMIN_EMAIL: "" });
    expect(config).toMatchObject({
      PORT: 3000,
      HOST: "127.0.0.1",
      HIC_DATA_DIR: ".data",
      HIC_WORKER: "on",
      HIC_WORKER_CONCURRENCY: "auto",
      HIC_LEASE_SECONDS: 90,
      HIC_RETRY_MAX_MS: 300_000,
      LOG_LEVEL: "info",
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.HIC_ADMIN_EMAIL).toBeUndefined();
  });

  it("reads numbers, switches and URLs into their types", () => {
    const config = parseEnv({
      PORT: "8080",
      HIC_WORKER: "OFF",
      HIC_LEASE_SECONDS: "4.5",
      DATABASE_URL: "postgresql://u:p@db.example:5433/hic",
    });
    expect(config).toMatchObject({
      PORT: 8080,
      HIC_WORKER: "off",
      HIC_LEASE_SECONDS: 4.5,
      DATABASE_URL: "postgresql://u:p@db.example:5433/hic",
    });
  });

  it("reads byte sizes with units and comma-separated address and host lists, refusing malformed ones", () => {
    expect(parseEnv({})).toMatchObject({
      HIC_IMPORT_MAX_BYTES: 100 * 1024 * 1024,
      HIC_TRUSTED_PROXIES: [],
      HIC_DPS_ALLOWED_HOSTS: [],
    });
    const config = parseEnv({
      HIC_IMPORT_MAX_BYTES: "200MiB",
      HIC_TRUSTED_PROXIES: "10.0.0.0/8, ::1",
      HIC_DPS_ALLOWED_HOSTS: "*.DPS.example.com,dps.internal:8443",
      HIC_DPS_EMULATOR_HOST: "LOCALHOST:8443",
      HIC_ARGON2_CONCURRENCY: "3",
    });
    expect(config).toMatchObject({
      HIC_IMPORT_MAX_BYTES: 200 * 1024 * 1024,
      HIC_TRUSTED_PROXIES: ["10.0.0.0/8", "::1"],
      HIC_DPS_ALLOWED_HOSTS: ["*.dps.example.com", "dps.internal:8443"],
      HIC_DPS_EMULATOR_HOST: "localhost:8443",
      HIC_ARGON2_CONCURRENCY: 3,
    });
    let error: unknown;
    try {
      parseEnv({
        HIC_IMPORT_MAX_BYTES: "lots",
        HIC_TRUSTED_PROXIES: "proxy.local",
        HIC_DPS_ALLOWED_HOSTS: "https://dps.example.com/",
        HIC_ARGON2_CONCURRENCY: "0",
      });
    } catch (caught) {
      error = caught;
    }
    expect((error as EnvError).problems.map((problem) => problem.split(" ")[0]).sort()).toEqual([
      "HIC_ARGON2_CONCURRENCY",
      "HIC_DPS_ALLOWED_HOSTS",
      "HIC_IMPORT_MAX_BYTES",
      "HIC_TRUSTED_PROXIES",
    ]);
  });

  it("refuses bad values, naming every bad variable at once with the value it has", () => {
    const bad = {
      PORT: "eighty",
      HIC_WORKER: "maybe",
      HIC_LEASE_SECONDS: "1",
      HIC_WORKER_CONCURRENCY: "2.5",
      DATABASE_URL: "mysql://db/hic",
      LOG_LEVEL: "loud",
    };
    let error: unknown;
    try {
      parseEnv(bad);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EnvError);
    const problems = (error as EnvError).problems;
    expect(problems).toHaveLength(6);
    expect(problems).toContain('PORT must be a whole number from 1 to 65535 (it is "eighty").');
    expect(problems).toContain('HIC_WORKER must be "on" or "off" (it is "maybe").');
    expect(problems).toContain('HIC_LEASE_SECONDS must be a number of at least 2 (it is "1").');
    expect(problems).toContain(
      'HIC_WORKER_CONCURRENCY must be "auto" or a whole number of at least 1 (it is "2.5").',
    );
    expect(problems).toContain('DATABASE_URL must be a postgres:// connection URL (it is "mysql://db/hic").');
    expect((error as EnvError).message).toMatch(/^Invalid configuration/);
  });

  it("stops `npm start` before it touches anything, with one line per bad variable", async () => {
    const dataDir = tempDir();
    const result = await promisify(execFile)(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
      env: { ...process.env, HIC_DATA_DIR: dataDir, HIC_WORKER: "maybe", PORT: "x" },
    }).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('HIC_WORKER must be "on" or "off" (it is "maybe").');
    expect(result.stderr).toContain('PORT must be a whole number from 1 to 65535 (it is "x").');
    expect(readdirSync(dataDir)).toEqual([]);
  }, 30_000);
});
