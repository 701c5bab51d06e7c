import { request } from "node:https";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { HUB_A, startTestEmulator, testConfig, type TestEmulator } from "@/tests/support/dps-emulator";
import { SharedAccessSignature } from "azure-iot-common";

import { hubConnection, provisionThroughDps } from "@/tests/support/iot-hub-emulator";

type Answer = { status: number; headers: Record<string, string | string[] | undefined>; json: unknown };

/** A raw HTTPS call to the hub's service API, dialling the emulator with the hub's name (SNI and Host). */
function call(
  emulator: TestEmulator,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string>; host?: string } = {},
): Promise<Answer> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: emulator.iotHub.connection.address,
        port: emulator.iotHub.connection.httpsPort,
        servername: options.host ?? HUB_A,
        ca: emulator.iotHub.caPem,
        method,
        path,
        headers: {
          host: options.host ?? HUB_A,
          ...(options.token ? { authorization: options.token } : {}),
          ...(body !== undefined
            ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) }
            : {}),
          ...options.headers,
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            json: text ? (JSON.parse(text) as unknown) : undefined,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function policyToken(
  emulator: TestEmulator,
  policy: string,
  expiry = Math.floor(Date.now() / 1000) + 600,
): string {
  const connection = hubConnection(emulator, HUB_A);
  const key = /SharedAccessKey=([^;]+)/.exec(
    policy === "registryRead" ? connection.registryReadConnectionString : connection.ownerConnectionString,
  )![1]!;
  return SharedAccessSignature.create(HUB_A, policy, key, expiry).toString();
}

const API = "api-version=2021-04-12";

describe("the hub's service REST API", () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator(testConfig());
  });
  afterAll(() => emulator.dispose());

  it("answers errors in IoT Hub's shape, with the code in the body and the iothub-errorcode header", async () => {
    const missing = await call(emulator, "GET", `/devices/nobody?${API}`, {
      token: policyToken(emulator, "iothubowner"),
    });
    expect(missing.status).toBe(404);
    expect(missing.headers["iothub-errorcode"]).toBe("DeviceNotFound");
    expect(missing.json).toEqual({
      Message: expect.stringMatching(/^ErrorCode:DeviceNotFound;/),
      ExceptionMessage: expect.stringMatching(/^Tracking ID:/),
    });
    const anonymous = await call(emulator, "GET", `/devices/nobody?${API}`);
    expect(anonymous.status).toBe(401);
    const expired = await call(emulator, "GET", `/devices/nobody?${API}`, {
      token: policyToken(emulator, "iothubowner", Math.floor(Date.now() / 1000) - 5),
    });
    expect(expired.status).toBe(401);
    expect((expired.json as { Message: string }).Message).toMatch(/^ErrorCode:IotHubUnauthorized;.*expired/);
  });

  it("refuses a call the policy has no right for with 401 naming the right", async () => {
    const created = await call(emulator, "PUT", `/devices/rest-rights-device?${API}`, {
      token: policyToken(emulator, "iothubowner"),
      body: { deviceId: "rest-rights-device" },
    });
    expect(created.status).toBe(200);
    const denied = await call(emulator, "DELETE", `/devices/rest-rights-device?${API}`, {
      token: policyToken(emulator, "registryRead"),
      headers: { "if-match": '"*"' },
    });
    expect(denied.status).toBe(401);
    expect((denied.json as { Message: string }).Message).toBe(
      "ErrorCode:IotHubUnauthorizedAccess;Authorization rule 'registryRead' does not allow access for 'RegistryWrite'",
    );
  });

  it("refuses an unknown hub, a bad query and a continuation token it never issued", async () => {
    const token = policyToken(emulator, "iothubowner");
    const wrongHost = await call(emulator, "GET", `/devices/x?${API}`, { token, host: "localhost" });
    // Not a hub's host name: the token's scope (hub A) tells the hub.
    expect(wrongHost.status).toBe(404);
    expect(wrongHost.headers["iothub-errorcode"]).toBe("DeviceNotFound");
    const badQuery = await call(emulator, "POST", `/devices/query?${API}`, {
      token,
      body: { query: "SELECT deviceId FROM devices.modules" },
    });
    expect(badQuery.status).toBe(400);
    expect((badQuery.json as { Message: string }).Message).toMatch(/^ErrorCode:ArgumentInvalid;/);
    const badToken = await call(emulator, "POST", `/devices/query?${API}`, {
      token,
      body: { query: "SELECT * FROM devices" },
      headers: { "x-ms-continuation": "!!" },
    });
    expect(badToken.status).toBe(400);
  });

  it("puts identities with etags: create without If-Match, replace only with a matching one", async () => {
    const token = policyToken(emulator, "iothubowner");
    const created = await call(emulator, "PUT", `/devices/rest-etag?${API}`, {
      token,
      body: { deviceId: "rest-etag" },
    });
    expect(created.status).toBe(200);
    const etag = (created.json as { etag: string }).etag;
    expect(created.headers.etag).toBe(`"${etag}"`);
    const stale = await call(emulator, "PUT", `/devices/rest-etag?${API}`, {
      token,
      body: { deviceId: "rest-etag", status: "disabled" },
      headers: { "if-match": '"not-the-etag"' },
    });
    expect(stale.status).toBe(412);
    const replaced = await call(emulator, "PUT", `/devices/rest-etag?${API}`, {
      token,
      body: { deviceId: "rest-etag", status: "disabled" },
      headers: { "if-match": `"${etag}"` },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.json).toMatchObject({
      status: "disabled",
      connectionState: "Disconnected",
      cloudToDeviceMessageCount: 0,
    });
    expect((replaced.json as { statusUpdatedTime: string }).statusUpdatedTime).not.toBe(
      "0001-01-01T00:00:00Z",
    );
  });

  it("answers 503 while the hub is offline", async () => {
    emulator.iotHub.admin.setHubOnline(HUB_A, false);
    try {
      const answer = await call(emulator, "GET", `/devices/x?${API}`, {
        token: policyToken(emulator, "iothubowner"),
      });
      expect(answer.status).toBe(503);
    } finally {
      emulator.iotHub.admin.setHubOnline(HUB_A, true);
    }
  });

  it("serves the admin switches over HTTP to loopback clients", async () => {
    const device = await provisionThroughDps(emulator, "rest-admin-device");
    const base = `/_emulator/iot-hub/hubs/${device.hub}`;
    const disabled = await call(emulator, "PATCH", `${base}/identities/${device.deviceId}`, {
      body: { status: "disabled", statusReason: "from the admin API" },
    });
    expect(disabled.status).toBe(200);
    expect(emulator.iotHub.admin.getIdentity(device.hub, device.deviceId)?.status).toBe("disabled");
    const hub = await call(emulator, "PATCH", base, { body: { throttled: true } });
    expect(hub.json).toMatchObject({ hostName: device.hub, throttled: true, online: true });
    await call(emulator, "PATCH", base, { body: { throttled: false } });
    const regenerated = await call(emulator, "POST", `${base}/identities/${device.deviceId}/regenerate-key`, {
      body: { key: "primary" },
    });
    expect(
      (regenerated.json as { authentication: { symmetricKey: { primaryKey: string } } }).authentication
        .symmetricKey.primaryKey,
    ).not.toBe(device.deviceKey);
    const deleted = await call(emulator, "DELETE", `${base}/identities/${device.deviceId}`);
    expect(deleted.status).toBe(200);
    const gone = await call(emulator, "GET", `${base}/identities/${device.deviceId}`);
    expect(gone.status).toBe(404);
    const unknownHub = await call(emulator, "PATCH", "/_emulator/iot-hub/hubs/nowhere.azure-devices.net", {
      body: { online: false },
    });
    expect(unknownHub.status).toBe(404);
  });
});
