import { describe, expect, it } from "vitest";
import { SharedAccessSignature } from "azure-iot-common";
import { parseSasToken } from "../sas";
import { createServiceSasToken, verifyServiceSasToken } from "./sas";

const KEY = Buffer.from("HIC-service-policy-key-for-tests!").toString("base64");
const OTHER_KEY = Buffer.alloc(32, 9).toString("base64");
const NOW = 1_700_000_000;
const policies = [{ name: "provisioningserviceowner", keys: [OTHER_KEY, KEY] }];

function check(token: string, hosts = ["my-dps.azure-devices-provisioning.net"], now = NOW) {
  const fields = parseSasToken(token);
  if (!fields) throw new Error("unparseable");
  return verifyServiceSasToken(fields, { hosts, policies, nowEpochSeconds: now });
}

describe("service API tokens", () => {
  it("are what the official SDK signs for a host without a port (sr URL-encoded is the host itself)", () => {
    const ours = createServiceSasToken(
      { host: "my-dps.azure-devices-provisioning.net", policyName: "provisioningserviceowner", key: KEY },
      NOW + 3600,
    );
    const sdk = SharedAccessSignature.create(
      "my-dps.azure-devices-provisioning.net",
      "provisioningserviceowner",
      KEY,
      NOW + 3600,
    );
    expect(parseSasToken(ours)).toEqual(parseSasToken(sdk.toString()));
  });

  it("verify with either policy key, whether sr is sent raw (Node SDK) or URL-encoded (our client, Azure's docs)", () => {
    const encoded = createServiceSasToken(
      { host: "localhost:8443", policyName: "provisioningserviceowner", key: KEY },
      NOW + 60,
    );
    expect(encoded).toContain("sr=localhost%3A8443&");
    expect(check(encoded, ["localhost:8443"])).toEqual({ ok: true, policyName: "provisioningserviceowner" });
    const raw = SharedAccessSignature.create(
      "localhost:8443",
      "PROVISIONINGSERVICEOWNER",
      OTHER_KEY,
      NOW + 60,
    ).toString();
    expect(check(raw, ["LOCALHOST:8443"])).toEqual({ ok: true, policyName: "provisioningserviceowner" });
  });

  it("refuse an expired token, another host, an unknown policy and a wrong key, each for its reason", () => {
    const token = (options: { host?: string; policy?: string; key?: string; expiry?: number } = {}) =>
      createServiceSasToken(
        {
          host: options.host ?? "my-dps.azure-devices-provisioning.net",
          policyName: options.policy ?? "provisioningserviceowner",
          key: options.key ?? KEY,
        },
        options.expiry ?? NOW + 60,
      );
    expect(check(token({ expiry: NOW }))).toEqual({ ok: false, reason: "expired" });
    expect(check(token({ host: "other-dps.azure-devices-provisioning.net" }))).toEqual({
      ok: false,
      reason: "wrong-resource",
    });
    expect(check(token({ policy: "reader" }))).toEqual({ ok: false, reason: "unknown-policy" });
    expect(check(token({ key: Buffer.alloc(32, 1).toString("base64") }))).toEqual({
      ok: false,
      reason: "bad-signature",
    });
    expect(check("SharedAccessSignature sr=a&sig=b&se=soon&skn=p")).toEqual({
      ok: false,
      reason: "malformed",
    });
  });
});
