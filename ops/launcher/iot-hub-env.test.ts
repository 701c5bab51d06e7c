import { describe, expect, it } from "vitest";
import { parseHubAddressRules, resolveHubAddress } from "@/lib/iot-hub/hub-addresses";
import { localIotHubEnv, readLocalIotHubInfo } from "./iot-hub-env";

const hub = {
  address: "127.0.0.1",
  mqttPort: 18883,
  httpsPort: 19443,
  caFile: "/data/dps-emulator/ca.pem",
  hubs: [{ hostName: "hic-demo-hub-1.azure-devices.net" }, { hostName: "hic-demo-hub-2.azure-devices.net" }],
};

describe("pointing the app at the local IoT Hub", () => {
  it("maps every demo hub to the emulator's MQTT port and trusts its CA", () => {
    const settings = localIotHubEnv(hub, {});
    expect(settings.HIC_IOT_HUB_CA_FILE).toBe(hub.caFile);
    const { rules, errors } = parseHubAddressRules(settings.HIC_IOT_HUB_ADDRESSES ?? "");
    expect(errors).toEqual([]);
    expect(resolveHubAddress("hic-demo-hub-2.azure-devices.net", rules)).toEqual({
      host: "127.0.0.1",
      port: 18883,
    });
    expect(resolveHubAddress("real-hub.azure-devices.net", rules)).toEqual({
      host: "real-hub.azure-devices.net",
      port: 8883,
    });
  });

  it("maps every demo hub's service API to the emulator's HTTPS port", () => {
    const { rules, errors } = parseHubAddressRules(
      localIotHubEnv(hub, {}).HIC_IOT_HUB_SERVICE_ADDRESSES ?? "",
    );
    expect(errors).toEqual([]);
    expect(resolveHubAddress("hic-demo-hub-1.azure-devices.net", rules, 443)).toEqual({
      host: "127.0.0.1",
      port: 19443,
    });
    expect(resolveHubAddress("real-hub.azure-devices.net", rules, 443)).toEqual({
      host: "real-hub.azure-devices.net",
      port: 443,
    });
  });

  it("leaves the operator's own settings alone", () => {
    const rules = parseHubAddressRules("*.azure-devices.net=10.0.0.5:8883").rules;
    const service = parseHubAddressRules("*.azure-devices.net=10.0.0.5:443").rules;
    expect(
      localIotHubEnv(hub, {
        HIC_IOT_HUB_ADDRESSES: rules,
        HIC_IOT_HUB_SERVICE_ADDRESSES: service,
        HIC_IOT_HUB_CA_FILE: "/mine.pem",
      }),
    ).toEqual({});
  });

  it("reads connection.json's iotHub only when it is well-formed", () => {
    expect(readLocalIotHubInfo({ iotHub: hub })).toEqual(hub);
    expect(readLocalIotHubInfo({ host: "localhost:8443" })).toBeNull();
    expect(readLocalIotHubInfo({ iotHub: { ...hub, mqttPort: "x" } })).toBeNull();
  });
});
