import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createSecureContext } from "node:tls";
import { createServer, type Server } from "node:net";
import { deriveDeviceKey } from "@/lib/dps";
import { startScriptedHub, type ScriptedHub } from "@/tests/support/scripted-hub";
import { createDeviceSasToken, mqttUsername } from "./device-credentials";
import { runHubCheck, TlsSessionCache, type HubCheckRequest } from "./hub-check-client";

const GROUP_KEY = Buffer.alloc(64, 7).toString("base64");
let hub: ScriptedHub;

function request(overrides: Partial<HubCheckRequest> = {}): HubCheckRequest {
  return {
    hubHost: hub.hubHost,
    deviceId: "meter-1",
    deviceKey: deriveDeviceKey(GROUP_KEY, "meter-1"),
    address: { host: "127.0.0.1", port: hub.port },
    secureContext: createSecureContext({ ca: hub.caPem }),
    reported: { provisioning: { by: "test", registrationId: "meter-1" } },
    timeoutMs: 3_000,
    ...overrides,
  };
}

beforeAll(async () => {
  hub = await startScriptedHub();
});
afterAll(() => hub.close());
beforeEach(() => {
  hub.script = {};
  hub.connects.length = 0;
  hub.patches.length = 0;
});

describe("hub check client", () => {
  it("connects as the device, reads the twin, reports one patch and disconnects", async () => {
    const result = await runHubCheck(request());
    expect(result).toMatchObject({ kind: "connected", twinVersion: 2 });
    const [connect] = hub.connects;
    expect(connect?.clientId).toBe("meter-1");
    expect(connect?.username).toBe(mqttUsername(hub.hubHost, "meter-1"));
    // The token is the device's, for its own resource on this hub.
    expect(connect?.password).toMatch(
      /^SharedAccessSignature sr=scripted-hub\.azure-devices\.net%2Fdevices%2Fmeter-1&sig=/,
    );
    const expiry = Number(/se=(\d+)/.exec(connect!.password)![1]);
    expect(connect?.password).toBe(
      createDeviceSasToken(hub.hubHost, "meter-1", deriveDeviceKey(GROUP_KEY, "meter-1"), expiry),
    );
    expect(hub.patches).toEqual([{ provisioning: { by: "test", registrationId: "meter-1" } }]);
  });

  it("explains a refused CONNECT with its code and next step", async () => {
    hub.script.connect = () => 5;
    const result = await runHubCheck(request());
    expect(result).toMatchObject({ kind: "refused", stage: "connect", code: 5 });
    if (result.kind !== "refused") throw new Error("refused expected");
    expect(result.nextStep).toMatch(/Re-provision/);
  });

  it("takes server unavailable (3) and a throttled twin for the hub's state", async () => {
    hub.script.connect = () => 3;
    expect(await runHubCheck(request())).toMatchObject({ kind: "hub-busy", stage: "connect", code: 3 });
    hub.script = { twinGet: () => 429 };
    expect(await runHubCheck(request())).toMatchObject({ kind: "hub-busy", stage: "twin-get", code: 429 });
  });

  it("gives up on a hub that never answers the twin request, within its time-out", async () => {
    hub.script.twinPatch = () => null;
    const started = Date.now();
    const result = await runHubCheck(request({ timeoutMs: 500 }));
    expect(result).toMatchObject({ kind: "unreachable", cause: "timeout" });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("refuses a certificate that does not name the hub, even from a trusted CA", async () => {
    const result = await runHubCheck(request({ hubHost: "other-hub.azure-devices.net" }));
    expect(result).toMatchObject({ kind: "unreachable", cause: "tls" });
    expect(hub.connects).toHaveLength(0);
  });

  it("refuses a hub whose CA is not trusted", async () => {
    const result = await runHubCheck(request({ secureContext: createSecureContext({}) }));
    expect(result).toMatchObject({ kind: "unreachable", cause: "tls" });
  });

  it("reports a closed port as unreachable", async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(await runHubCheck(request({ address: { host: "127.0.0.1", port } }))).toMatchObject({
      kind: "unreachable",
      cause: "connect",
      networkCode: "ECONNREFUSED",
    });
  });

  it("resumes the TLS session of the previous check to the same hub", async () => {
    const sessions = new TlsSessionCache();
    await runHubCheck(request({ sessions }));
    const key = `127.0.0.1:${hub.port}/${hub.hubHost}`;
    expect(sessions.get(key)).toBeInstanceOf(Buffer);
    expect(await runHubCheck(request({ sessions }))).toMatchObject({ kind: "connected" });
    expect(await runHubCheck(request({ sessions }))).toMatchObject({ kind: "connected" });
    // The first check's handshake was a full one; both later ones resumed its session.
    expect(sessions.handshakes).toEqual({ full: 1, resumed: 2 });
  });
});
