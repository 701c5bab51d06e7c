import { randomBytes } from "node:crypto";
import { SharedAccessSignature } from "azure-iot-common";
import { SymmetricKeySecurityClient } from "azure-iot-security-symmetric-key";
import { describe, expect, it } from "vitest";
import vectors from "./fixtures/dps-vectors.json";
import {
  createSasToken,
  deriveDeviceKey,
  parseSasToken,
  registrationResource,
  verifySasToken,
} from "./index";

const NOW = 1_699_990_000;

function tokenForms(vector: (typeof vectors.sasTokens)[number]) {
  return [
    ["Node SDK (raw sr)", vector.nodeSdkToken],
    ["C#/docs (upper-hex sr)", vector.alternateFormsDpsAlsoAccepts.encodedUpperHex.token],
    ["C SDK (lower-hex sr)", vector.alternateFormsDpsAlsoAccepts.encodedLowerHex_CSdk.token],
  ] as const;
}

describe("SAS tokens against the official SDK vectors", () => {
  for (const vector of vectors.sasTokens) {
    const expected = {
      idScope: vector.idScope,
      registrationId: vector.registrationId,
      deviceKeysBase64: [vector.deviceKey],
      nowEpochSeconds: NOW,
    };

    it.each(tokenForms(vector))(`%s token for ${vector.registrationId} verifies`, (_form, token) => {
      const fields = parseSasToken(token);
      expect(fields).not.toBeNull();
      expect(verifySasToken(fields!, expected)).toEqual({ ok: true });
    });

    it.each(tokenForms(vector))(
      `%s token for ${vector.registrationId} is refused with another key`,
      (_form, token) => {
        const otherKey = randomBytes(32).toString("base64");
        expect(verifySasToken(parseSasToken(token)!, { ...expected, deviceKeysBase64: [otherKey] })).toEqual({
          ok: false,
          reason: "bad-signature",
        });
      },
    );

    it(`our token for ${vector.registrationId} carries exactly the C#/docs fields (upper-hex sr)`, () => {
      const ours = parseSasToken(
        createSasToken(vector.idScope, vector.registrationId, vector.deviceKey, vector.se),
      )!;
      const docsForm = parseSasToken(vector.alternateFormsDpsAlsoAccepts.encodedUpperHex.token)!;
      expect(ours).toEqual(docsForm);
    });

    it(`a token expiring at ${vector.se} is refused once that moment has passed`, () => {
      const fields = parseSasToken(vector.nodeSdkToken)!;
      expect(verifySasToken(fields, { ...expected, nowEpochSeconds: vector.se })).toEqual({
        ok: false,
        reason: "expired",
      });
    });
  }
});

describe("SAS tokens against the SDK computed now", () => {
  it("tokens made by the SDK's SymmetricKeySecurityClient verify with our verifier", async () => {
    for (const bytes of [16, 32, 64]) {
      const groupKey = randomBytes(bytes).toString("base64");
      const registrationId = `dev-${randomBytes(6).toString("hex")}`;
      const deviceKey = deriveDeviceKey(groupKey, registrationId);
      const sdk = new SymmetricKeySecurityClient(registrationId, deviceKey);
      const sas = await sdk.createSharedAccessSignature("0ne00ABCDEF");
      if (!sas) throw new Error("The SDK returned no token.");
      const fields = parseSasToken(sas.toString());
      expect(fields).not.toBeNull();
      const check = verifySasToken(fields!, {
        idScope: "0ne00ABCDEF",
        registrationId,
        deviceKeysBase64: [deviceKey],
        nowEpochSeconds: Math.floor(Date.now() / 1000),
      });
      expect(check).toEqual({ ok: true });
    }
  });

  it("a token we create verifies, uses skn=registration and names the right resource", () => {
    const deviceKey = deriveDeviceKey(randomBytes(64).toString("base64"), "sn:007.888_abc-01");
    const token = createSasToken("0ne00000A0A", "sn:007.888_abc-01", deviceKey, NOW + 3600);
    const fields = parseSasToken(token)!;
    expect(fields.skn).toBe("registration");
    expect(fields.se).toBe(String(NOW + 3600));
    expect(decodeURIComponent(fields.sr)).toBe(registrationResource("0ne00000A0A", "sn:007.888_abc-01"));
    expect(
      verifySasToken(fields, {
        idScope: "0ne00000A0A",
        registrationId: "sn:007.888_abc-01",
        deviceKeysBase64: [deviceKey],
        nowEpochSeconds: NOW,
      }),
    ).toEqual({ ok: true });
  });

  it("our signature equals the SDK's SharedAccessSignature.create over the same encoded resource", () => {
    const deviceKey = randomBytes(32).toString("base64");
    const resource = encodeURIComponent(registrationResource("0ne00000A0A", "device-42"));
    const sdk = SharedAccessSignature.create(resource, "registration", deviceKey, NOW);
    const ours = parseSasToken(createSasToken("0ne00000A0A", "device-42", deviceKey, NOW))!;
    expect(decodeURIComponent(ours.sig)).toBe(decodeURIComponent(sdk.sig));
    expect(ours.sr).toBe(sdk.sr);
  });

  it("a token for another registration is refused as the wrong resource", () => {
    const deviceKey = randomBytes(32).toString("base64");
    const fields = parseSasToken(createSasToken("0ne00000A0A", "device-1", deviceKey, NOW + 60))!;
    expect(
      verifySasToken(fields, {
        idScope: "0ne00000A0A",
        registrationId: "device-2",
        deviceKeysBase64: [deviceKey],
        nowEpochSeconds: NOW,
      }),
    ).toEqual({ ok: false, reason: "wrong-resource" });
  });
});
