import { describe, expect, it } from "vitest";
import { formatServiceConnectionString, parseServiceConnectionString } from "./connection-string";

const KEY = Buffer.alloc(32, 3).toString("base64");
const GOOD = `HostName=my-dps.azure-devices-provisioning.net;SharedAccessKeyName=provisioningserviceowner;SharedAccessKey=${KEY}`;

const messageOf = (input: string) => {
  const result = parseServiceConnectionString(input);
  return result.ok ? null : result.message;
};

describe("service connection strings", () => {
  it("reads the portal's primary connection string into host, policy and key", () => {
    expect(parseServiceConnectionString(`  ${GOOD}; `)).toEqual({
      ok: true,
      value: {
        host: "my-dps.azure-devices-provisioning.net",
        policyName: "provisioningserviceowner",
        key: KEY,
      },
    });
    expect(
      formatServiceConnectionString({ host: "h.azure-devices-provisioning.net", policyName: "p", key: KEY }),
    ).toBe(`HostName=h.azure-devices-provisioning.net;SharedAccessKeyName=p;SharedAccessKey=${KEY}`);
  });

  it("keeps the key's = padding and accepts names in any case and order, and a host with a port (the local emulator)", () => {
    const parsed = parseServiceConnectionString(
      `sharedaccesskey=${KEY};HOSTNAME=LocalHost:8443;SharedAccessKeyName=reader`,
    );
    expect(parsed).toEqual({ ok: true, value: { host: "localhost:8443", policyName: "reader", key: KEY } });
  });

  it("names what is missing or wrong", () => {
    expect(messageOf("")).toMatch(/Paste the connection string of a shared access policy/);
    expect(messageOf(`HostName=my-dps.azure-devices-provisioning.net;SharedAccessKey=${KEY}`)).toMatch(
      /no SharedAccessKeyName/,
    );
    expect(messageOf("just some text")).toMatch(/name=value pairs/);
    expect(messageOf(`${GOOD};HostName=other`)).toMatch(/names HostName twice/);
    expect(messageOf(`${GOOD};Extra=1`)).toMatch(/unknown part "Extra"/);
    expect(messageOf(`HostName=hub.azure-devices.net;DeviceId=d1;SharedAccessKey=${KEY}`)).toMatch(
      /device connection string/,
    );
    expect(
      messageOf(`HostName=hub.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=${KEY}`),
    ).toMatch(/IoT hub's connection string/);
    expect(
      messageOf(
        `HostName=global.azure-devices-provisioning.net;SharedAccessKeyName=p;SharedAccessKey=${KEY}`,
      ),
    ).toMatch(/devices' endpoint/);
    expect(messageOf(`HostName=http://x;SharedAccessKeyName=p;SharedAccessKey=${KEY}`)).toMatch(
      /^HostName: DPS only accepts HTTPS/,
    );
    expect(
      messageOf(`HostName=x.azure-devices-provisioning.net;SharedAccessKeyName=a b;SharedAccessKey=${KEY}`),
    ).toMatch(/policy's name/);
    expect(
      messageOf("HostName=x.azure-devices-provisioning.net;SharedAccessKeyName=p;SharedAccessKey=not-base64"),
    ).toMatch(/standard base64/);
    expect(
      messageOf(
        `HostName=x.azure-devices-provisioning.net;SharedAccessKeyName=p;SharedAccessKey=${Buffer.alloc(8).toString("base64")}`,
      ),
    ).toMatch(/it decodes to 8/);
  });
});
