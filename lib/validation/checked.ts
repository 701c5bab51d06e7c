/**
 * A plain check's verdict and the base64 rule every Azure key follows, for the forms (browser) and
 * the server alike: no Node built-ins here.
 */
export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

const BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * Byte length of canonical base64, or null. Canonical means padded to a multiple of 4 and with the
 * unused bits of the last character zero, so exactly one text maps to each key (no silent truncation).
 */
export function canonicalBase64ByteLength(text: string): number | null {
  if (text.length === 0 || text.length % 4 !== 0) return null;
  if (!/^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/.test(text)) return null;
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const lastDataChar = text[text.length - 1 - padding] ?? "";
  const lastValue = BASE64_ALPHABET.indexOf(lastDataChar);
  const unusedBitsMask = padding === 2 ? 0b1111 : padding === 1 ? 0b11 : 0;
  if ((lastValue & unusedBitsMask) !== 0) return null;
  return (text.length / 4) * 3 - padding;
}
