import { describe, expect, it } from "vitest";
import vectors from "./fixtures/dps-vectors.json";
import { parseSasToken } from "./index";
import {
  assigned,
  assigning,
  createScriptedDps,
  dpsError,
  hang,
  jsonReply,
  networkError,
  type RecordedRequest,
  type ScriptedReply,
} from "../../tests/support/scripted-dps";

const connection = { idScope: "0ne00000A0A", host: "dps.example.test" };
const deviceKey = vectors.deviceKeys[0]!.deviceKey;
const registration = { connection, registrationId: "device-001", deviceKey };

/** Everything secret a result could leak: the key and each token sent, raw and URL-encoded. */
function secretsOf(requests: RecordedRequest[]): string[] {
  const secrets = [deviceKey, encodeURIComponent(deviceKey)];
  for (const { headers } of requests) {
    const token = headers.Authorization!;
    const sig = parseSasToken(token)!.sig;
    secrets.push(token, sig, decodeURIComponent(sig));
  }
  return secrets;
}

/** Replies whose text repeats the request's Authorization header, as a careless proxy might. */
const echoingAuthorization =
  (status: number) =>
  (request: RecordedRequest): ScriptedReply =>
    jsonReply(status, {
      errorCode: status * 1000,
      message: `rejected ${request.headers.Authorization} for key ${deviceKey}`,
    });

const scenarios: [string, ScriptedReply[] | ((request: RecordedRequest) => ScriptedReply)][] = [
  ["assigned after polling", [assigning("op", 2), assigned()]],
  ["unauthorized", [dpsError(401, 401002, "Unauthorized")]],
  ["throttled", () => dpsError(429, 429001, "slow down", { "Retry-After": "1" })],
  ["5xx", () => dpsError(503, 0, "busy")],
  [
    "a failed registration",
    [jsonReply(200, { operationId: "op", status: "failed", registrationState: { errorCode: 1 } })],
  ],
  ["a DPS error echoing the token and key", echoingAuthorization(400)],
  ["a 5xx echoing the token and key", echoingAuthorization(500)],
  [
    "a network error whose message carries the token",
    (request) => networkError("ECONNRESET", `socket hang up; sent ${request.headers.Authorization}`),
  ],
  ["a TLS failure", [networkError("DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate")]],
  ["a timeout", () => hang],
];

describe("results never contain the device key or a SAS token", () => {
  it.each(scenarios)("register: %s", async (_case, script) => {
    const dps = createScriptedDps(script, { requestTimeoutMs: 10 });
    const text = JSON.stringify(await dps.client.register(registration));
    expect(dps.requests.length).toBeGreaterThan(0);
    for (const secret of secretsOf(dps.requests)) expect(text).not.toContain(secret);
  });

  it.each(scenarios)("lookupStatus: %s", async (_case, script) => {
    const dps = createScriptedDps(script, { requestTimeoutMs: 10 });
    const text = JSON.stringify(await dps.client.lookupStatus(registration));
    for (const secret of secretsOf(dps.requests)) expect(text).not.toContain(secret);
  });

  it("keeps the rest of an echoed message readable", async () => {
    const dps = createScriptedDps([
      jsonReply(400, { errorCode: 400000, message: `rejected x for key ${deviceKey}` }),
    ]);
    const result = await dps.client.register(registration);
    expect(result.message).toBe("rejected x for key [redacted]");
  });
});
