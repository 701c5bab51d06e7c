import { env } from "@/lib/env";
import { parseKek, SecretKeyError, type Kek } from "./envelope";

let cached: { text: string; kek: Kek } | null = null;

/**
 * The key-encryption key this process runs with, from HIC_SECRET_KEY (the launcher sets it from the
 * environment or the data directory). Throws a SecretKeyError with the fix when it is missing or malformed.
 */
export function currentKek(configured: string | undefined = env().HIC_SECRET_KEY): Kek {
  const text = configured?.trim();
  if (!text) {
    throw new SecretKeyError(
      "HIC_SECRET_KEY is not set: start the app with `npm start`, which provides it, or set it in the environment.",
    );
  }
  if (cached?.text !== text) cached = { text, kek: parseKek(text) };
  return cached.kek;
}
