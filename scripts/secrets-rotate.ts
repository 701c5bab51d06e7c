/**
 * Re-encrypts every stored secret (what each integration provider declares; for Azure DPS the
 * enrollment group keys) under a new HIC_SECRET_KEY:
 *   npm run secrets:rotate -- --generate --write-data-dir        local run: new random key into the data directory
 *   HIC_SECRET_KEY_OLD=… HIC_SECRET_KEY=… npm run secrets:rotate  keys managed by you
 *   npm run secrets:rotate -- --old-key-file old.key --new-key-file new.key [--write-data-dir]
 * The old key comes from --old-key-file, HIC_SECRET_KEY_OLD, or the data directory's
 * hic_secret_key.secret; the new one from --new-key-file, HIC_SECRET_KEY, or --generate.
 * All or nothing, in one transaction; safe to run again. Restart the app with the new key afterwards.
 */
import { existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import { writePrivateFile } from "@/ops/runtime/private-file";
import path from "node:path";
import { parseArgs } from "node:util";
import { env, setEnv } from "@/lib/env";
import { resolveDataDir, prepareDataDir } from "@/ops/runtime/data-dir";
import { connectDatabase } from "@/ops/launcher/database";
import { closeDb, getDb } from "@/lib/database";
import { recordAudit } from "@/lib/audit/record";
import {
  generateKek,
  parseKek,
  SecretDecryptionError,
  SecretKeyError,
  type Kek,
} from "@/lib/secrets/envelope";
import { rotateStoredSecrets, RotationError } from "@/lib/secrets/rotate";
import { STORED_SECRETS } from "@/lib/integrations/providers";
import { exitOnFailure } from "./cli-failure";

class CliError extends Error {}

const USAGE = `Usage: npm run secrets:rotate -- [--old-key-file FILE] [--new-key-file FILE] [--generate] [--write-data-dir]
  old key: --old-key-file, else HIC_SECRET_KEY_OLD, else <data dir>/hic_secret_key.secret
  new key: --new-key-file, else HIC_SECRET_KEY, else --generate (needs --write-data-dir)
  --write-data-dir  store the new key in <data dir>/hic_secret_key.secret, where \`npm start\` reads it`;

type KeySource = { kek: Kek; base64: string; from: string };

function readKeyFile(file: string, what: string): KeySource {
  let text: string;
  try {
    text = readFileSync(file, "utf8").trim();
  } catch (error) {
    throw new CliError(
      `Cannot read the ${what} from ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
    );
  }
  return { kek: parseKek(text, `The ${what} in ${file}`), base64: text, from: file };
}

function fromEnv(name: "HIC_SECRET_KEY_OLD" | "HIC_SECRET_KEY", what: string): KeySource | null {
  const text = env()[name]?.trim();
  return text ? { kek: parseKek(text, `${name} (the ${what})`), base64: text, from: name } : null;
}

/** Replaces the file atomically with mode 600, so a crash leaves either the old or the new key, never half of one. */
function writeKeyFile(file: string, base64: string): void {
  writePrivateFile(file, `${base64}\n`);
}

async function main() {
  const { values } = parseArgs({
    options: {
      "old-key-file": { type: "string" },
      "new-key-file": { type: "string" },
      generate: { type: "boolean", default: false },
      "write-data-dir": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return console.log(USAGE);

  const dataDir = resolveDataDir();
  const dataDirKeyFile = path.join(dataDir, "hic_secret_key.secret");

  const old =
    (values["old-key-file"] ? readKeyFile(values["old-key-file"], "old key") : null) ??
    fromEnv("HIC_SECRET_KEY_OLD", "old key") ??
    (existsSync(dataDirKeyFile) ? readKeyFile(dataDirKeyFile, "old key") : null);
  if (!old)
    throw new CliError(
      `No old key: give --old-key-file or HIC_SECRET_KEY_OLD (there is no ${dataDirKeyFile}).\n${USAGE}`,
    );

  if (values.generate && (values["new-key-file"] || env().HIC_SECRET_KEY)) {
    throw new CliError("--generate makes a new key; do not also give --new-key-file or HIC_SECRET_KEY.");
  }
  if (values.generate && !values["write-data-dir"]) {
    throw new CliError(
      "--generate needs --write-data-dir, so the new key is stored where the app reads it and is not lost.",
    );
  }
  let fresh: KeySource | null = null;
  if (values.generate) {
    const generated = generateKek();
    fresh = { ...generated, from: "a newly generated key" };
  }
  fresh ??=
    (values["new-key-file"] ? readKeyFile(values["new-key-file"], "new key") : null) ??
    fromEnv("HIC_SECRET_KEY", "new key");
  if (!fresh)
    throw new CliError(
      `No new key: give --new-key-file, HIC_SECRET_KEY, or --generate --write-data-dir.\n${USAGE}`,
    );
  if (fresh.kek.id === old.kek.id) {
    throw new CliError(
      `The old key (${old.from}) and the new key (${fresh.from}) are the same key (key id ${old.kek.id}).`,
    );
  }

  // A generated key is on disk before the database uses it, so a crash between the two cannot lose it.
  const pendingKeyFile = `${dataDirKeyFile}.new`;
  if (values.generate) writeKeyFile(pendingKeyFile, fresh.base64);

  let stop = async () => {};
  try {
    const database = await connectDatabase({ dataDir: prepareDataDir(dataDir), log: () => {} });
    stop = database.stop;
    setEnv({ DATABASE_URL: database.url });
    const report = await rotateStoredSecrets(getDb(), old.kek, fresh.kek, STORED_SECRETS);
    await recordAudit({
      action: "secrets.rotate",
      outcome: "success",
      detail: {
        fromKeyId: report.fromKeyId,
        toKeyId: report.toKeyId,
        reencrypted: report.reencrypted,
        alreadyCurrent: report.alreadyCurrent,
        via: "cli",
      },
    });
    if (values["write-data-dir"]) {
      if (values.generate) renameSync(pendingKeyFile, dataDirKeyFile);
      else writeKeyFile(dataDirKeyFile, fresh.base64);
    }

    console.log(
      `Re-encrypted ${report.reencrypted} stored secret(s) from key id ${report.fromKeyId} to key id ${report.toKeyId}` +
        (report.alreadyCurrent ? ` (${report.alreadyCurrent} already used the new key).` : "."),
    );
    if (values["write-data-dir"]) {
      console.log(
        `The new key is in ${dataDirKeyFile}${env().HIC_SECRET_KEY ? " (HIC_SECRET_KEY in the environment wins over it)" : ""}.`,
      );
    } else if (old.from === dataDirKeyFile) {
      console.log(
        `${dataDirKeyFile} still holds the OLD key: set HIC_SECRET_KEY to the new key wherever the app runs, or run again with --write-data-dir.`,
      );
    }
    console.log(
      "Restart the app and every worker with the new key now: a process still running with the old key can no longer read the stored keys. " +
        "If one of them saved a key in the meantime, run this command again (it only re-encrypts what is still under the old key).",
    );
  } catch (error) {
    if (values.generate) rmSync(pendingKeyFile, { force: true });
    throw error;
  } finally {
    await closeDb();
    await stop();
  }
}

main().catch((error: unknown) =>
  exitOnFailure(error, [CliError, SecretKeyError], (failure) =>
    failure instanceof RotationError || failure instanceof SecretDecryptionError
      ? `error: ${failure.message}\nNothing was changed: the database still uses the old key.`
      : null,
  ),
);
