import { describe, expect, it } from "vitest";
import { diagnose, type TroubleshootFacts } from "./diagnose";
import { diagnosticBundleJson, REDACTED, redactSecrets } from "./diagnostic-bundle";
import type { TroubleshootReportDto } from "./troubleshoot-report-dto";

const GROUP_KEY = "R3JvdXBLZXlHcm91cEtleUdyb3VwS2V5R3JvdXBLZXk=";
const SERVICE_KEY = "U2VydmljZUtleVNlcnZpY2VLZXlTZXJ2aWNlS2V5ISE=";
const HUB_KEY = "SHViUG9saWN5S2V5SHViUG9saWN5S2V5SHViUG9saWM=";
const DEVICE_KEY = "RGV2aWNlS2V5RGV2aWNlS2V5RGV2aWNlS2V5RGV2aWM+";
const SERVICE_STRING = `HostName=dps.azure-devices-provisioning.net;SharedAccessKeyName=provisioningserviceowner;SharedAccessKey=${SERVICE_KEY}`;
const HUB_STRING = `HostName=hub-a.azure-devices.net;SharedAccessKeyName=registryRead;SharedAccessKey=${HUB_KEY}`;
const DEVICE_STRING = `HostName=hub-a.azure-devices.net;DeviceId=sensor-1;SharedAccessKey=${DEVICE_KEY}`;
const SAS_TOKEN =
  "SharedAccessSignature sr=hub-a.azure-devices.net%2Fdevices%2Fsensor-1&sig=c2lnbmF0dXJlLW9mLXRoZS10b2tlbg%3D%3D&se=1900000000";
const UNKNOWN_KEY = "VW5rbm93bktleVVua25vd25LZXlVbmtub3duS2V5IQ==";

/** A report whose free-text fields carry every kind of secret, as a hub or DPS echoing one would. */
function plantedReport(): TroubleshootReportDto {
  const facts: TroubleshootFacts = {
    device: {
      registrationId: "sensor-1",
      status: "assigned",
      assignedHub: "hub-a.azure-devices.net",
      deviceId: "sensor-1",
      lastErrorMessage: `group key ${GROUP_KEY}`,
    },
    keyFingerprints: { primary: "0a1b2c3d", secondary: null },
    record: { kind: "error", message: `DPS said ${SERVICE_STRING} and ${encodeURIComponent(SERVICE_KEY)}` },
    identity: { kind: "error", failureKind: "server", message: `hub echoed ${HUB_STRING}` },
    live: {
      kind: "checked",
      hubStatus: "refused",
      errorCode: "5",
      errorMessage: `token ${SAS_TOKEN}`,
      nextStep: `use ${DEVICE_STRING} or key=${DEVICE_KEY}; sig only: https://x/?a=1&sig=${encodeURIComponent(UNKNOWN_KEY)}`,
    },
  };
  const { steps, verdict } = diagnose(facts);
  return { deviceId: 1, checkedAt: "2026-12-07T06:00:00.000Z", ...facts, steps, verdict };
}

describe("the diagnostic bundle", () => {
  const json = diagnosticBundleJson(
    plantedReport(),
    { generatedBy: "support@example.com", appVersion: null },
    [GROUP_KEY, SERVICE_KEY, HUB_KEY, DEVICE_KEY],
  );

  it.each([
    ["the group key", GROUP_KEY],
    ["the DPS service key (and its connection string)", SERVICE_KEY],
    ["the DPS service key, URL-encoded", encodeURIComponent(SERVICE_KEY)],
    ["a hub policy key (and its connection string)", HUB_KEY],
    ["a device key (and a device connection string)", DEVICE_KEY],
    ["a SAS token's signature", "c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"],
    ["a signature of a key the app did not know", encodeURIComponent(UNKNOWN_KEY)],
  ])("has %s redacted", (_what, secret) => {
    expect(json).not.toContain(secret);
  });

  it("keeps what support needs: the verdict, the steps, the fingerprint, the hub and device", () => {
    const bundle = JSON.parse(json);
    expect(bundle).toMatchObject({
      kind: "hic-device-diagnostics",
      generatedBy: "support@example.com",
      keyFingerprints: { primary: "0a1b2c3d" },
      device: { registrationId: "sensor-1", assignedHub: "hub-a.azure-devices.net" },
    });
    expect(bundle.steps).toHaveLength(5);
    expect(json).toContain(REDACTED);
    expect(json).toContain("SharedAccessKeyName=registryRead");
  });

  it("redacts keys of objects too, and leaves numbers and booleans alone", () => {
    expect(redactSecrets({ [GROUP_KEY]: 1, ok: true, n: 5 }, [GROUP_KEY])).toEqual({
      [REDACTED]: 1,
      ok: true,
      n: 5,
    });
  });
});
