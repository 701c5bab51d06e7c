import { randomBytes, randomInt } from "node:crypto";
import { hmacHash } from "azure-iot-common/dist/authorization";
import { describe, expect, it } from "vitest";
import vectors from "./fixtures/dps-vectors.json";
import { deriveDeviceKey } from "./index";
import { validateRegistrationId } from "./validation";

const ID_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._:";
const LAST_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";

function randomRegistrationId(): string {
  const length = randomInt(1, 129);
  let id = "";
  for (let i = 0; i < length - 1; i += 1) id += ID_CHARS[randomInt(ID_CHARS.length)];
  return id + LAST_CHARS[randomInt(LAST_CHARS.length)];
}

describe("deriveDeviceKey", () => {
  it("reproduces the Microsoft documentation vector", () => {
    const { groupKey, registrationId, deviceKey } = vectors.docVector;
    expect(deriveDeviceKey(groupKey, registrationId)).toBe(deviceKey);
  });

  it.each(vectors.deviceKeys)(
    "matches the official SDK for $registrationId",
    ({ groupKey, registrationId, deviceKey }) => {
      expect(deriveDeviceKey(groupKey, registrationId)).toBe(deviceKey);
    },
  );

  it("keeps the registration ID's case, so differently cased IDs get different keys", () => {
    const groupKey = vectors.deviceKeys[0]!.groupKey;
    expect(deriveDeviceKey(groupKey, "Device-UPPER-01")).not.toBe(
      deriveDeviceKey(groupKey, "device-upper-01"),
    );
  });

  it.each([16, 32, 64])(
    "equals the SDK's hmacHash for random %i-byte group keys and random valid IDs",
    (bytes) => {
      for (let i = 0; i < 50; i += 1) {
        const groupKey = randomBytes(bytes).toString("base64");
        const registrationId = randomRegistrationId();
        expect(validateRegistrationId(registrationId).ok).toBe(true);
        const derived = deriveDeviceKey(groupKey, registrationId);
        expect(derived).toBe(hmacHash(groupKey, registrationId));
        expect(Buffer.from(derived, "base64")).toHaveLength(32);
      }
    },
  );
});
