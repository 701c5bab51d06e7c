const MAX_MESSAGE_LENGTH = 500;

/**
 * Removes secrets from text we keep (messages from a service, a proxy or a network error could echo
 * a header), in raw and URL-encoded form, and bounds its length.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let clean = text;
  for (const secret of secrets) {
    if (secret.length < 8) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)]))
      clean = clean.split(form).join("[redacted]");
  }
  return clean.length > MAX_MESSAGE_LENGTH ? `${clean.slice(0, MAX_MESSAGE_LENGTH)}…` : clean;
}
