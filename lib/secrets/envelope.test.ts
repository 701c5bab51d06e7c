import { describe, expect, it } from "vitest";
import {
  decryptSecret,
  encryptSecret,
  envelopeKeyId,
  generateKek,
  kekId,
  parseKek,
  reencryptSecret,
  SecretDecryptionError,
  SecretKeyError,
} from "./envelope";

const KEK = parseKek(Buffer.alloc(32, 9).toString("base64"));
const OTHER = parseKek(Buffer.alloc(32, 10).toString("base64"));
const SECRET = "2vFQDN/uwu4bdbcjSYPaTBvmfWeaYBNprYWESC9cHRmzNd2yopaQuYJRpec23LXJZuWwTgL+IvrXrgVPYVcwfQ==";
const CONTEXT = "integrations/azure-dps/primary";

/** Flips one bit in the given base64 part of an envelope (2 = iv, 3 = tag, 4 = ciphertext). */
function flip(envelope: string, part: number): string {
  const parts = envelope.split(":");
  const bytes = Buffer.from(parts[part]!, "base64");
  bytes[0] = bytes[0]! ^ 1;
  parts[part] = bytes.toString("base64");
  return parts.join(":");
}

describe("secret envelope", () => {
  it("round-trips and names its key without containing the secret", () => {
    const envelope = encryptSecret(SECRET, KEK, CONTEXT);
    expect(envelope).toMatch(/^v1:[0-9a-f]{8}:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(envelope).not.toContain(SECRET);
    expect(envelopeKeyId(envelope)).toBe(KEK.id);
    expect(decryptSecret(envelope, KEK, CONTEXT)).toBe(SECRET);
  });

  it("uses a fresh IV every time", () => {
    expect(encryptSecret(SECRET, KEK, CONTEXT)).not.toBe(encryptSecret(SECRET, KEK, CONTEXT));
  });

  it("derives the key id from the KEK: the first 8 hex digits of its SHA-256", () => {
    expect(KEK.id).toBe(kekId(KEK.key));
    expect(KEK.id).toMatch(/^[0-9a-f]{8}$/);
    expect(OTHER.id).not.toBe(KEK.id);
  });

  it.each([
    [2, "iv"],
    [3, "tag"],
    [4, "ciphertext"],
  ])("fails the integrity check when a byte of the %s part (%s) is flipped", (part) => {
    const tampered = flip(encryptSecret(SECRET, KEK, CONTEXT), part);
    expect(() => decryptSecret(tampered, KEK, CONTEXT)).toThrow(
      expect.objectContaining({ reason: "tampered" }),
    );
  });

  it("refuses a ciphertext moved to another row or column", () => {
    const envelope = encryptSecret(SECRET, KEK, CONTEXT);
    expect(() => decryptSecret(envelope, KEK, "integrations/azure-dps/secondary")).toThrow(
      /belongs to another record/,
    );
    expect(() => decryptSecret(envelope, KEK, "integrations/other/primary")).toThrow(SecretDecryptionError);
  });

  it("says clearly when the secret was encrypted under another HIC_SECRET_KEY", () => {
    const envelope = encryptSecret(SECRET, KEK, CONTEXT);
    expect(() => decryptSecret(envelope, OTHER, CONTEXT)).toThrow(
      `encrypted under another HIC_SECRET_KEY (key id ${KEK.id}); this server runs with key id ${OTHER.id}`,
    );
  });

  it("does not decrypt once the key id in the header is altered", () => {
    const parts = encryptSecret(SECRET, KEK, CONTEXT).split(":");
    parts[1] = OTHER.id;
    expect(() => decryptSecret(parts.join(":"), KEK, CONTEXT)).toThrow(
      expect.objectContaining({ reason: "other-key" }),
    );
  });

  it("refuses text that is not an envelope", () => {
    for (const text of [SECRET, "v2:abcdef01:a:b:c", "v1:abcdef01:AAAA:AAAA", ""]) {
      expect(() => decryptSecret(text, KEK, CONTEXT)).toThrow(
        expect.objectContaining({ reason: "malformed" }),
      );
      expect(envelopeKeyId(text)).toBeNull();
    }
  });

  it("re-encrypts under a new KEK", () => {
    const moved = reencryptSecret(encryptSecret(SECRET, KEK, CONTEXT), KEK, OTHER, CONTEXT);
    expect(envelopeKeyId(moved)).toBe(OTHER.id);
    expect(decryptSecret(moved, OTHER, CONTEXT)).toBe(SECRET);
  });

  it("accepts only 32 random bytes in base64 as a KEK", () => {
    expect(() => parseKek(Buffer.alloc(16).toString("base64"))).toThrow(SecretKeyError);
    expect(() => parseKek("not-base64!")).toThrow(/HIC_SECRET_KEY must be 32 random bytes/);
    expect(() => parseKek("x".repeat(44), "--old-key-file k")).toThrow(/^--old-key-file k must be 32/);
    expect(generateKek().kek.key).toHaveLength(32);
  });
});
