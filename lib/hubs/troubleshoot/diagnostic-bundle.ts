import type { TroubleshootReportDto } from "./troubleshoot-report-dto";

/**
 * The downloadable diagnostic bundle: the troubleshooter's report as JSON, with every secret the
 * look-ups touched redacted. The report holds no secret by construction; this is the second line:
 * every known secret value (group keys, derived device keys, the DPS service key, hub policy keys)
 * is replaced wherever it appears, and so is anything shaped like a connection string's key, a SAS
 * token or its signature, in case a hub or DPS echoed one into a message.
 */

export const REDACTED = "[redacted]";

const PATTERNS: RegExp[] = [
  // SharedAccessKey=…; in a connection string (service, hub or device), up to the next ;
  /(SharedAccessKey=)[^;"\s]+/gi,
  // A whole SAS token: SharedAccessSignature sr=…&sig=…&se=…
  /SharedAccessSignature\s+[^"\s]+/gi,
  // A signature parameter on its own (URL-encoded or not)
  /([?&]sig=)[^&"\s]+/gi,
];

function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 8) continue;
    out = out.split(secret).join(REDACTED);
    // A key may also travel URL-encoded.
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join(REDACTED);
  }
  return out
    .replace(PATTERNS[0]!, `$1${REDACTED}`)
    .replace(PATTERNS[1]!, `SharedAccessSignature ${REDACTED}`)
    .replace(PATTERNS[2]!, `$1${REDACTED}`);
}

/** A deep copy with every string (keys of objects too) redacted. */
export function redactSecrets<T>(value: T, secrets: readonly string[]): T {
  const walk = (node: unknown): unknown => {
    if (typeof node === "string") return redactText(node, secrets);
    if (Array.isArray(node)) return node.map(walk);
    if (node && typeof node === "object")
      return Object.fromEntries(
        Object.entries(node as Record<string, unknown>).map(([k, v]) => [redactText(k, secrets), walk(v)]),
      );
    return node;
  };
  return walk(value) as T;
}

/** The bundle's JSON text: what was asked, by whom, when, the steps and the verdict, redacted. */
export function diagnosticBundleJson(
  report: TroubleshootReportDto,
  meta: { generatedBy: string | null; appVersion: string | null },
  secrets: readonly string[],
): string {
  const bundle = {
    kind: "hic-device-diagnostics",
    version: 1,
    generatedAt: report.checkedAt,
    generatedBy: meta.generatedBy,
    appVersion: meta.appVersion,
    note: "Every key, connection string and SAS token is redacted; the device key appears only as a fingerprint (first 8 hex digits of SHA-256 of the base64 key).",
    device: report.device,
    verdict: report.verdict,
    steps: report.steps,
    keyFingerprints: report.keyFingerprints,
    dpsRecord: report.record,
    hubIdentity: report.identity,
    liveCheck: report.live,
  };
  return JSON.stringify(redactSecrets(bundle, secrets), null, 2);
}
