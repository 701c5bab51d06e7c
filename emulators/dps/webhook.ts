import type { EnrollmentGroup } from "./config";

/** The request body DPS posts to a custom allocation webhook (docs/dps-protocol.md §3.1). */
export type AllocationWebhookRequest = {
  enrollmentGroup: {
    enrollmentGroupId: string;
    attestation: { type: "symmetricKey" };
    iotHubs: string[];
    allocationPolicy: "custom";
    customAllocationDefinition: { webhookUrl: string; apiVersion: string };
    reprovisionPolicy: EnrollmentGroup["reprovisionPolicy"];
    provisioningStatus: EnrollmentGroup["provisioningStatus"];
  };
  deviceRuntimeContext: {
    registrationId: string;
    currentIotHubHostName?: string;
    currentDeviceId?: string;
    symmetricKey: Record<string, never>;
    payload?: unknown;
  };
  linkedHubs: string[];
};

export type WebhookOutcome =
  { ok: true; iotHubHostName: string; payload?: unknown } | { ok: false; reason: string };

const WEBHOOK_API_VERSION = "2021-10-01";

export function webhookRequest(
  group: EnrollmentGroup,
  device: { registrationId: string; currentHub?: string; currentDeviceId?: string; payload?: unknown },
  candidateHubNames: string[],
): AllocationWebhookRequest {
  return {
    // Keys stay out: a webhook never needs them, and DPS does not send them either.
    enrollmentGroup: {
      enrollmentGroupId: group.enrollmentGroupId,
      attestation: { type: "symmetricKey" },
      iotHubs: group.iotHubs,
      allocationPolicy: "custom",
      customAllocationDefinition: {
        webhookUrl: group.customAllocationWebhookUrl ?? "",
        apiVersion: WEBHOOK_API_VERSION,
      },
      reprovisionPolicy: group.reprovisionPolicy,
      provisioningStatus: group.provisioningStatus,
    },
    deviceRuntimeContext: {
      registrationId: device.registrationId,
      ...(device.currentHub !== undefined
        ? { currentIotHubHostName: device.currentHub, currentDeviceId: device.currentDeviceId }
        : {}),
      symmetricKey: {},
      ...(device.payload !== undefined ? { payload: device.payload } : {}),
    },
    linkedHubs: candidateHubNames,
  };
}

/** Calls the webhook; every way it can go wrong becomes a reason string for the device's `failed` result. */
export async function callAllocationWebhook(
  url: string,
  request: AllocationWebhookRequest,
  timeoutMs: number,
): Promise<WebhookOutcome> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8", accept: "application/json" },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof Error && error.name === "TimeoutError";
    return {
      ok: false,
      reason: timedOut
        ? `the webhook did not answer within ${timeoutMs} ms`
        : "the webhook could not be reached",
    };
  }
  const text = await response.text().catch(() => "");
  if (!response.ok) return { ok: false, reason: `the webhook answered HTTP ${response.status}` };
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    return { ok: false, reason: "the webhook answer is not JSON" };
  }
  const hub = (answer as { iotHubHostName?: unknown } | null)?.iotHubHostName;
  if (typeof hub !== "string") return { ok: false, reason: "the webhook answer has no iotHubHostName" };
  const linked = request.linkedHubs.find((name) => name.toLowerCase() === hub.toLowerCase());
  if (linked === undefined)
    return { ok: false, reason: `the webhook chose ${hub}, which is not a linked hub` };
  const payload = (answer as { payload?: unknown }).payload;
  return { ok: true, iotHubHostName: linked, ...(payload !== undefined ? { payload } : {}) };
}
