import { describe, expect, it } from "vitest";
import { SharedAccessSignature } from "azure-iot-common";
import { createDeviceSasToken, deviceResource, mqttUsername } from "./device-credentials";

const KEY = Buffer.from("a device key of thirty-two bytes").toString("base64");

describe("device SAS token", () => {
  it("is the token the official SDK signs for the device's resource on its hub", () => {
    const ours = createDeviceSasToken("hub-1.azure-devices.net", "meter-7", KEY, 1_900_000_000);
    // The SDK's device transports URL-encode the resource before handing it to create().
    const sdk = SharedAccessSignature.create(
      encodeURIComponent(deviceResource("hub-1.azure-devices.net", "meter-7")),
      "",
      KEY,
      1_900_000_000,
    ).toString();
    expect(ours).toBe(sdk);
  });

  it("names the device resource URL-encoded and carries no policy name", () => {
    const token = createDeviceSasToken("hub-1.azure-devices.net", "meter 7", KEY, 100);
    expect(token).toMatch(
      /^SharedAccessSignature sr=hub-1\.azure-devices\.net%2Fdevices%2Fmeter%207&sig=[^&]+&se=100$/,
    );
    expect(token).not.toContain("skn=");
  });

  it("changes with the key, so a hub holding another key refuses it", () => {
    const other = Buffer.from("another device key of 32 bytes!!").toString("base64");
    expect(createDeviceSasToken("h.azure-devices.net", "d", KEY, 5)).not.toBe(
      createDeviceSasToken("h.azure-devices.net", "d", other, 5),
    );
  });
});

describe("MQTT user name", () => {
  it("is {hub}/{deviceId}/?api-version=2021-04-12", () => {
    expect(mqttUsername("hub-1.azure-devices.net", "meter-7")).toBe(
      "hub-1.azure-devices.net/meter-7/?api-version=2021-04-12",
    );
  });
});
