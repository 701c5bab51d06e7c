import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/**
 * Envelope encryption of stored secrets (docs/design.md §4): AES-256-GCM under a key-encryption key
 * (KEK), written as `v1:<keyId>:<iv>:<tag>:<ciphertext>` (base64 parts). `keyId` names the KEK so a
 * rotation can tell old ciphertexts from new ones; the caller's `context` (e.g.
 * `integrations/azure-dps/primary`) is authenticated with the header, so a ciphertext copied to
 * another row or column does not decrypt. Pure: the KEK is always a parameter.
 */

const FORMAT = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEK_BYTES = 32;

export type Kek = { readonly id: string; readonly key: Buffer };

export class SecretKeyError extends Error {}

export class SecretDecryptionError extends Error {
  constructor(
    message: string,
    readonly reason: "malformed" | "other-key" | "tampered",
  ) {
    super(message);
  }
}

/** First 8 hex digits of SHA-256 of the KEK: enough to tell keys apart, useless to recover one. */
export function kekId(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 8);
}

/** Reads a KEK given as base64 of 32 bytes; `source` names where it came from in the error. */
export function parseKek(base64: string, source = "HIC_SECRET_KEY"): Kek {
  const text = base64.trim();
  const key = Buffer.from(text, "base64");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || key.length !== KEK_BYTES || key.toString("base64") !== text) {
    throw new SecretKeyError(
      `${source} must be ${KEK_BYTES} random bytes in base64 (44 characters ending in "="); generate one with: ` +
        `node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`,
    );
  }
  return { id: kekId(key), key };
}

export function generateKek(): { base64: string; kek: Kek } {
  const base64 = randomBytes(KEK_BYTES).toString("base64");
  return { base64, kek: parseKek(base64) };
}

function additionalData(keyId: string, context: string): Buffer {
  return Buffer.from(`${FORMAT}:${keyId}|${context}`, "utf8");
}

export function encryptSecret(plaintext: string, kek: Kek, context: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", kek.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(kek.id, context));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [FORMAT, kek.id, iv.toString("base64"), tag.toString("base64"), ciphertext.toString("base64")].join(
    ":",
  );
}

type Envelope = { keyId: string; iv: Buffer; tag: Buffer; ciphertext: Buffer };

function parseEnvelope(text: string): Envelope {
  const parts = text.split(":");
  const [format, keyId, iv, tag, ciphertext] = parts;
  const base64 = /^[A-Za-z0-9+/]*={0,2}$/;
  if (
    parts.length !== 5 ||
    format !== FORMAT ||
    !keyId ||
    !/^[0-9a-f]{8}$/.test(keyId) ||
    iv === undefined ||
    tag === undefined ||
    ciphertext === undefined ||
    ![iv, tag, ciphertext].every((part) => base64.test(part))
  ) {
    throw new SecretDecryptionError(
      "The stored secret is not in a format this version understands (expected v1:<keyId>:<iv>:<tag>:<ciphertext>).",
      "malformed",
    );
  }
  const parsed = {
    keyId,
    iv: Buffer.from(iv, "base64"),
    tag: Buffer.from(tag, "base64"),
    ciphertext: Buffer.from(ciphertext, "base64"),
  };
  if (parsed.iv.length !== IV_BYTES || parsed.tag.length !== TAG_BYTES) {
    throw new SecretDecryptionError(
      "The stored secret is damaged: its IV or authentication tag has the wrong length.",
      "malformed",
    );
  }
  return parsed;
}

/** The id of the KEK a stored secret was encrypted under, or null when the text is not an envelope. */
export function envelopeKeyId(text: string): string | null {
  try {
    return parseEnvelope(text).keyId;
  } catch {
    return null;
  }
}

/**
 * Decrypts, or throws a SecretDecryptionError that says why without revealing anything: wrong KEK
 * (with both key ids, so an operator can see which key is missing), or altered/misplaced data.
 */
export function decryptSecret(text: string, kek: Kek, context: string): string {
  const envelope = parseEnvelope(text);
  if (envelope.keyId !== kek.id) {
    throw new SecretDecryptionError(
      `The stored secret was encrypted under another HIC_SECRET_KEY (key id ${envelope.keyId}); this server runs with key id ${kek.id}. ` +
        "Start the app with the key it was saved under, or re-encrypt with `npm run secrets:rotate`.",
      "other-key",
    );
  }
  const decipher = createDecipheriv("aes-256-gcm", kek.key, envelope.iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(additionalData(envelope.keyId, context));
  decipher.setAuthTag(envelope.tag);
  try {
    return Buffer.concat([decipher.update(envelope.ciphertext), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretDecryptionError(
      "The stored secret failed its integrity check: it was altered, or it belongs to another record. Enter the key again.",
      "tampered",
    );
  }
}

/** Decrypts under `from` and encrypts under `to`, keeping the same context. */
export function reencryptSecret(text: string, from: Kek, to: Kek, context: string): string {
  return encryptSecret(decryptSecret(text, from, context), to, context);
}
