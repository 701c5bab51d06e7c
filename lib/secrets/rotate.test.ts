import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { auditLog, integrations } from "@/db/schema";
import { truncate } from "@/tests/support/db";
import { decryptSecret, encryptSecret, envelopeKeyId, parseKek } from "./envelope";
import { integrationKeyContext } from "./encrypted-columns";
import { rotateStoredSecrets, RotationError } from "./rotate";
import { STORED_SECRETS } from "@/lib/integrations/providers";

const OLD_TEXT = Buffer.alloc(32, 1).toString("base64");
const NEW_TEXT = Buffer.alloc(32, 2).toString("base64");
const OLD = parseKek(OLD_TEXT);
const NEW = parseKek(NEW_TEXT);
const STRAY = parseKek(Buffer.alloc(32, 3).toString("base64"));
const PRIMARY = Buffer.alloc(32, 0xaa).toString("base64");
const SECONDARY = Buffer.alloc(32, 0xbb).toString("base64");

async function storeKeys(id: string, kek = OLD, primary = PRIMARY, secondary: string | null = SECONDARY) {
  await getDb()
    .insert(integrations)
    .values({
      id,
      idScope: "0ne00A1B2C3",
      host: "global.azure-devices-provisioning.net",
      primaryKeyCiphertext: encryptSecret(primary, kek, integrationKeyContext(id, "primary")),
      secondaryKeyCiphertext:
        secondary === null ? null : encryptSecret(secondary, kek, integrationKeyContext(id, "secondary")),
    });
}

async function row(id: string) {
  const [found] = await getDb().select().from(integrations).where(eq(integrations.id, id));
  return found!;
}

describe("rotateStoredSecrets", () => {
  beforeEach(() => truncate("integrations", "audit_log"));

  it("re-encrypts every stored key under the new KEK, and a second run changes nothing", async () => {
    await storeKeys("azure-dps");
    await storeKeys("another", OLD, SECONDARY, null);
    const report = await rotateStoredSecrets(getDb(), OLD, NEW, STORED_SECRETS);
    expect(report).toEqual({ fromKeyId: OLD.id, toKeyId: NEW.id, reencrypted: 3, alreadyCurrent: 0 });

    const dps = await row("azure-dps");
    expect(envelopeKeyId(dps.primaryKeyCiphertext!)).toBe(NEW.id);
    expect(decryptSecret(dps.primaryKeyCiphertext!, NEW, integrationKeyContext("azure-dps", "primary"))).toBe(
      PRIMARY,
    );
    expect(
      decryptSecret(dps.secondaryKeyCiphertext!, NEW, integrationKeyContext("azure-dps", "secondary")),
    ).toBe(SECONDARY);
    expect(
      decryptSecret(
        (await row("another")).primaryKeyCiphertext!,
        NEW,
        integrationKeyContext("another", "primary"),
      ),
    ).toBe(SECONDARY);

    expect(await rotateStoredSecrets(getDb(), OLD, NEW, STORED_SECRETS)).toMatchObject({
      reencrypted: 0,
      alreadyCurrent: 3,
    });
  });

  it("re-encrypts the service policy key along with the group keys", async () => {
    await storeKeys("azure-dps");
    const service = Buffer.alloc(32, 0xcc).toString("base64");
    await getDb()
      .update(integrations)
      .set({
        serviceKeyCiphertext: encryptSecret(service, OLD, integrationKeyContext("azure-dps", "service")),
      })
      .where(eq(integrations.id, "azure-dps"));
    expect(await rotateStoredSecrets(getDb(), OLD, NEW, STORED_SECRETS)).toMatchObject({
      reencrypted: 3,
      alreadyCurrent: 0,
    });
    const stored = (await row("azure-dps")).serviceKeyCiphertext!;
    expect(envelopeKeyId(stored)).toBe(NEW.id);
    expect(decryptSecret(stored, NEW, integrationKeyContext("azure-dps", "service"))).toBe(service);
  });

  it("changes nothing when one value is under an unknown key", async () => {
    await storeKeys("azure-dps");
    await storeKeys("zz-stray", STRAY);
    const before = await row("azure-dps");
    await expect(rotateStoredSecrets(getDb(), OLD, NEW, STORED_SECRETS)).rejects.toThrow(RotationError);
    await expect(rotateStoredSecrets(getDb(), OLD, NEW, STORED_SECRETS)).rejects.toThrow(
      `neither the old key (${OLD.id}) nor the new key (${NEW.id})`,
    );
    expect((await row("azure-dps")).primaryKeyCiphertext).toBe(before.primaryKeyCiphertext);
  });

  it("changes nothing when one value fails its integrity check", async () => {
    await storeKeys("azure-dps");
    await storeKeys("zz-moved");
    // The secondary of one row copied into another row's column: right key, wrong place.
    const moved = (await row("azure-dps")).secondaryKeyCiphertext;
    await getDb()
      .update(integrations)
      .set({ primaryKeyCiphertext: moved })
      .where(eq(integrations.id, "zz-moved"));
    const before = await row("azure-dps");
    await expect(rotateStoredSecrets(getDb(), OLD, NEW, STORED_SECRETS)).rejects.toThrow(
      /failed its integrity check/,
    );
    expect((await row("azure-dps")).primaryKeyCiphertext).toBe(before.primaryKeyCiphertext);
  });

  it("refuses to rotate to the same key", async () => {
    await expect(rotateStoredSecrets(getDb(), OLD, OLD, STORED_SECRETS)).rejects.toThrow(/same key/);
  });
});

describe("npm run secrets:rotate", () => {
  const run = promisify(execFile);
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  async function rotate(args: string[], env: Record<string, string>) {
    const dataDir = await mkdtemp(path.join(tmpdir(), "hic-rotate-"));
    dirs.push(dataDir);
    // The test run's own HIC_SECRET_KEY must not reach the command (undefined drops it): each test says which keys it gives.
    const childEnv = { ...process.env, HIC_DATA_DIR: dataDir, HIC_SECRET_KEY: undefined, ...env };
    const start = () =>
      run(process.execPath, ["--import", "tsx", "scripts/secrets-rotate.ts", ...args], {
        cwd: process.cwd(),
        env: childEnv,
      }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code: number; stdout: string; stderr: string }) => ({
          code: error.code,
          stdout: error.stdout,
          stderr: error.stderr,
        }),
      );
    return { dataDir, start };
  }

  beforeEach(() => truncate("integrations", "audit_log"));

  it("generates a new key into the data directory and re-encrypts the stored keys under it", async () => {
    await storeKeys("azure-dps");
    const { dataDir, start } = await rotate(["--generate", "--write-data-dir"], {});
    const keyFile = path.join(dataDir, "hic_secret_key.secret");
    await writeFile(keyFile, `${OLD_TEXT}\n`, { mode: 0o600 });
    const result = await start();
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(`Re-encrypted 2 stored secret\\(s\\) from key id ${OLD.id} to key id [0-9a-f]{8}`),
    );
    expect(result.stdout).toMatch(/Restart the app/);

    const fresh = parseKek(await readFile(keyFile, "utf8"));
    expect(fresh.id).not.toBe(OLD.id);
    expect(
      decryptSecret(
        (await row("azure-dps")).primaryKeyCiphertext!,
        fresh,
        integrationKeyContext("azure-dps", "primary"),
      ),
    ).toBe(PRIMARY);
    const [audit] = await getDb().select().from(auditLog).where(eq(auditLog.action, "secrets.rotate"));
    expect(audit).toMatchObject({
      outcome: "success",
      detail: { fromKeyId: OLD.id, toKeyId: fresh.id, reencrypted: 2 },
    });
  }, 60_000);

  it("takes the keys from HIC_SECRET_KEY_OLD and HIC_SECRET_KEY", async () => {
    await storeKeys("azure-dps");
    const { start } = await rotate([], { HIC_SECRET_KEY_OLD: OLD_TEXT, HIC_SECRET_KEY: NEW_TEXT });
    const result = await start();
    expect(result.code).toBe(0);
    expect(
      decryptSecret(
        (await row("azure-dps")).secondaryKeyCiphertext!,
        NEW,
        integrationKeyContext("azure-dps", "secondary"),
      ),
    ).toBe(SECONDARY);
  }, 60_000);

  it("exits non-zero with a clear message and changes nothing on bad input", async () => {
    await storeKeys("azure-dps");
    const before = await row("azure-dps");
    const same = await (await rotate([], { HIC_SECRET_KEY_OLD: OLD_TEXT, HIC_SECRET_KEY: OLD_TEXT })).start();
    expect(same).toMatchObject({ code: 2, stderr: expect.stringMatching(/are the same key/) });
    const missing = await (
      await rotate(["--new-key-file", "/nonexistent/new.key"], { HIC_SECRET_KEY_OLD: OLD_TEXT })
    ).start();
    expect(missing).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/Cannot read the new key from \/nonexistent\/new.key: ENOENT/),
    });
    const wrongOld = await (
      await rotate([], {
        HIC_SECRET_KEY_OLD: Buffer.alloc(32, 5).toString("base64"),
        HIC_SECRET_KEY: NEW_TEXT,
      })
    ).start();
    expect(wrongOld).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/neither the old key.*Nothing was changed/s),
    });
    const malformed = await (
      await rotate([], { HIC_SECRET_KEY_OLD: "short", HIC_SECRET_KEY: NEW_TEXT })
    ).start();
    expect(malformed).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/HIC_SECRET_KEY_OLD \(the old key\) must be 32 random bytes/),
    });
    expect((await row("azure-dps")).primaryKeyCiphertext).toBe(before.primaryKeyCiphertext);
  }, 120_000);
});
