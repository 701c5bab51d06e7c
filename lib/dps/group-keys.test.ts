import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  deriveDeviceKey,
  lookupStatusWithGroupKeys,
  parseSasToken,
  registerWithGroupKeys,
  verifySasToken,
} from "./index";
import {
  assigned,
  createScriptedDps,
  dpsError,
  jsonReply,
  type RecordedRequest,
} from "../../tests/support/scripted-dps";

const connection = { idScope: "0ne00000A0A", host: "dps.example.test" };
const registrationId = "device-001";
const primary = randomBytes(64).toString("base64");
const secondary = randomBytes(64).toString("base64");

/** A DPS whose enrollment group currently holds only `acceptedGroupKey`. */
function dpsAccepting(acceptedGroupKey: string) {
  const signedWith = (request: RecordedRequest, groupKey: string) =>
    verifySasToken(parseSasToken(request.headers.Authorization)!, {
      ...connection,
      registrationId,
      deviceKeysBase64: [deriveDeviceKey(groupKey, registrationId)],
      nowEpochSeconds: request.at / 1000,
    }).ok;
  const dps = createScriptedDps((request) => {
    if (!signedWith(request, acceptedGroupKey)) return dpsError(401, 401002, "Unauthorized");
    return request.method === "POST"
      ? jsonReply(404, { errorCode: 404202, message: "Not found" })
      : assigned();
  });
  const keyOf = (request: RecordedRequest) =>
    signedWith(request, primary) ? "primary" : signedWith(request, secondary) ? "secondary" : "other";
  return { ...dps, usedKeys: () => dps.requests.map(keyOf) };
}

describe("group keys", () => {
  it("registers with the primary key when DPS accepts it", async () => {
    const dps = dpsAccepting(primary);
    const result = await registerWithGroupKeys(dps.client, {
      connection,
      registrationId,
      groupKeys: { primary, secondary },
    });
    expect(result).toMatchObject({ kind: "assigned", keyUsed: "primary", attempts: 1 });
    expect(dps.usedKeys()).toEqual(["primary"]);
  });

  it("falls back to the secondary key when the primary is unauthorized (key rotation)", async () => {
    const dps = dpsAccepting(secondary);
    const result = await registerWithGroupKeys(dps.client, {
      connection,
      registrationId,
      groupKeys: { primary, secondary },
    });
    expect(result).toMatchObject({ kind: "assigned", keyUsed: "secondary", attempts: 2 });
    expect(dps.usedKeys()).toEqual(["primary", "secondary"]);
  });

  it("reports unauthorized for the primary when there is no secondary", async () => {
    const dps = dpsAccepting(secondary);
    const result = await registerWithGroupKeys(dps.client, {
      connection,
      registrationId,
      groupKeys: { primary },
    });
    expect(result).toMatchObject({ kind: "unauthorized", keyUsed: "primary", attempts: 1 });
  });

  it("does not try the secondary for failures other than unauthorized", async () => {
    const dps = createScriptedDps([dpsError(404, 404201, "No such enrollment")]);
    const result = await registerWithGroupKeys(dps.client, {
      connection,
      registrationId,
      groupKeys: { primary, secondary },
    });
    expect(result).toMatchObject({ kind: "not-found", keyUsed: "primary" });
    expect(dps.requests).toHaveLength(1);
  });

  it("lets Test connection see accepted credentials (404) through the secondary key", async () => {
    const dps = dpsAccepting(secondary);
    const result = await lookupStatusWithGroupKeys(dps.client, {
      connection,
      registrationId,
      groupKeys: { primary, secondary },
    });
    expect(result).toMatchObject({ kind: "not-registered", keyUsed: "secondary", httpStatus: 404 });
  });

  it("never returns the group keys or the derived keys", async () => {
    const dps = dpsAccepting(secondary);
    const result = await registerWithGroupKeys(dps.client, {
      connection,
      registrationId,
      groupKeys: { primary, secondary },
    });
    const text = JSON.stringify(result);
    for (const secret of [
      primary,
      secondary,
      deriveDeviceKey(primary, registrationId),
      deriveDeviceKey(secondary, registrationId),
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});
