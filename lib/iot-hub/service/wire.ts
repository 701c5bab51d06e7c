/**
 * The hub service API's identity bodies (docs/iot-hub-protocol.md §3.3, §3.5), read leniently: a
 * field of the wrong type reads as absent. A query answers twins, whose identity etag is
 * `deviceEtag` and whose authentication is `authenticationType`.
 */
export type HubIdentity = {
  deviceId: string;
  etag: string;
  generationId: string | null;
  status: "enabled" | "disabled";
  statusReason: string | null;
  /** "sas" | "selfSigned" | "certificateAuthority" | "none" */
  authenticationType: string;
  connectionState: "Connected" | "Disconnected";
  connectionStateUpdatedTime: string | null;
  lastActivityTime: string | null;
};

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const text = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);

/** IoT Hub writes "never" as the year 1 (`0001-01-01T00:00:00Z`). */
function instant(value: unknown): string | null {
  const given = text(value);
  if (given === null || given.startsWith("0001-01-01")) return null;
  return Number.isNaN(Date.parse(given)) ? null : given;
}

const unquote = (etag: string) => etag.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");

/** A device identity (GET/PUT /devices/{id}); null when it is not one (no device ID or status). */
export function readHubIdentity(value: unknown, etagHeader: string | null = null): HubIdentity | null {
  if (!isRecord(value)) return null;
  const deviceId = text(value.deviceId);
  const status = value.status;
  if (deviceId === null || (status !== "enabled" && status !== "disabled")) return null;
  const authentication = isRecord(value.authentication) ? value.authentication : {};
  const etag = text(value.deviceEtag) ?? text(value.etag) ?? (etagHeader ? unquote(etagHeader) : null);
  if (etag === null) return null;
  return {
    deviceId,
    etag: unquote(etag),
    generationId: text(value.generationId),
    status,
    statusReason: text(value.statusReason),
    authenticationType: text(value.authenticationType) ?? text(authentication.type) ?? "none",
    connectionState: value.connectionState === "Connected" ? "Connected" : "Disconnected",
    connectionStateUpdatedTime: instant(value.connectionStateUpdatedTime),
    lastActivityTime: instant(value.lastActivityTime),
  };
}

/** A query page: a JSON array of twins; items that are not identities are dropped. */
export function readHubIdentityPage(value: unknown): HubIdentity[] | null {
  if (!Array.isArray(value)) return null;
  return value.map((item) => readHubIdentity(item)).filter((item): item is HubIdentity => item !== null);
}

/** The code in IoT Hub's error body (`{"Message":"ErrorCode:DeviceNotFound;…"}`) or its header. */
export function hubErrorOf(
  body: string,
  header: string | null,
): { code: string | null; message: string | null } {
  let message: string | null = null;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (isRecord(parsed)) message = text(parsed.Message) ?? text(parsed.message);
  } catch {
    // Not JSON: a proxy's page, say. The status alone speaks.
  }
  const fromMessage = message ? /^ErrorCode:([A-Za-z]+);/.exec(message) : null;
  return {
    code: header?.trim() || fromMessage?.[1] || null,
    message: message ? message.replace(/^ErrorCode:[A-Za-z]+;/, "") : null,
  };
}
