/** The device twin over MQTT: requests on `$iothub/twin/…`, answers on `$iothub/twin/res/{status}/?$rid=…`. */
export const TWIN_RESPONSE_SUBSCRIPTION = "$iothub/twin/res/#";

export function twinGetTopic(requestId: string): string {
  return `$iothub/twin/GET/?$rid=${requestId}`;
}

export function reportedPatchTopic(requestId: string): string {
  return `$iothub/twin/PATCH/properties/reported/?$rid=${requestId}`;
}

export type TwinResponse = { status: number; requestId: string; version: number | null };

/** Reads a twin answer's topic; anything else (a desired-properties patch, say) is null. */
export function parseTwinResponseTopic(topic: string): TwinResponse | null {
  const match = /^\$iothub\/twin\/res\/(\d{3})\/\?(.*)$/.exec(topic);
  if (!match) return null;
  const query = new URLSearchParams(match[2]);
  const requestId = query.get("$rid");
  if (!requestId) return null;
  const version = query.get("$version");
  return {
    status: Number(match[1]),
    requestId,
    version: version !== null && /^\d+$/.test(version) ? Number(version) : null,
  };
}
