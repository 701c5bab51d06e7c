import { describe, expect, it } from "vitest";
import { parseHubConnectionString } from "./connection-string";

const KEY = Buffer.alloc(32, 3).toString("base64");

describe("parseHubConnectionString", () => {
  it("reads a hub policy's connection string, host lower-cased, in any order and case of names", () => {
    expect(
      parseHubConnectionString(
        `sharedaccesskey=${KEY};HostName=My-Hub.azure-devices.net;SharedAccessKeyName=registryRead`,
      ),
    ).toEqual({
      ok: true,
      value: { hostName: "my-hub.azure-devices.net", policyName: "registryRead", key: KEY },
    });
  });

  it("refuses a device connection string with a clear message", () => {
    const result = parseHubConnectionString(
      `HostName=h.azure-devices.net;DeviceId=d1;SharedAccessKey=${KEY}`,
    );
    expect(result).toEqual({ ok: false, message: expect.stringMatching(/device connection string/) });
  });

  it("refuses a DPS connection string and says which one to paste", () => {
    const result = parseHubConnectionString(
      `HostName=x.azure-devices-provisioning.net;SharedAccessKeyName=provisioningserviceowner;SharedAccessKey=${KEY}`,
    );
    expect(result).toEqual({ ok: false, message: expect.stringMatching(/DPS connection string/) });
  });

  it.each([
    ["", /Paste the connection string/],
    [`HostName=h.azure-devices.net;SharedAccessKey=${KEY}`, /no SharedAccessKeyName/],
    [`HostName=https://h.azure-devices.net;SharedAccessKeyName=p;SharedAccessKey=${KEY}`, /HostName/],
    [
      `HostName=h.azure-devices.net:443;SharedAccessKeyName=p;SharedAccessKey=${KEY}`,
      /no scheme, path or port/,
    ],
    ["HostName=h.azure-devices.net;SharedAccessKeyName=p;SharedAccessKey=not base64!", /base64/],
    ["HostName=h.azure-devices.net;SharedAccessKeyName=p;SharedAccessKey=AAAA", /decode to 16/],
    [`HostName=h.azure-devices.net;SharedAccessKeyName=p p;SharedAccessKey=${KEY}`, /policy's name/],
    [`Endpoint=sb://x/;SharedAccessKeyName=p;SharedAccessKey=${KEY}`, /Event Hub/],
    [
      `HostName=a.azure-devices.net;HostName=b.azure-devices.net;SharedAccessKeyName=p;SharedAccessKey=${KEY}`,
      /twice/,
    ],
  ])("refuses %j", (text, message) => {
    const result = parseHubConnectionString(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });

  it("never repeats the key in a message", () => {
    const result = parseHubConnectionString(`HostName=bad host;SharedAccessKeyName=p;SharedAccessKey=${KEY}`);
    expect(result.ok || result.message.includes(KEY)).toBe(false);
  });
});
