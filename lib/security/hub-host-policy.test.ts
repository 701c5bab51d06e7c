import { describe, expect, it } from "vitest";
import { parseHubAddressRules } from "@/lib/iot-hub/hub-addresses";
import { hubHostRefusal, isHubHostAllowed } from "./hub-host-policy";

const settings = (rules = "") => ({ HIC_IOT_HUB_ADDRESSES: parseHubAddressRules(rules).rules });

describe("hub host policy", () => {
  it("allows Azure's IoT Hub domains in every cloud", () => {
    for (const host of ["h.azure-devices.net", "h.azure-devices.cn", "H.Azure-Devices.US"])
      expect(isHubHostAllowed(host, settings())).toBe(true);
  });

  it("refuses other names, look-alikes and addresses unless a rule names them", () => {
    for (const host of [
      "169.254.169.254",
      "evil.example.com",
      "azure-devices.net.evil.com",
      "h.azure-devices.net:1",
    ])
      expect(isHubHostAllowed(host, settings())).toBe(false);
    expect(isHubHostAllowed("hub.internal", settings("hub.internal=10.0.0.5:8883"))).toBe(true);
    expect(isHubHostAllowed("a.hubs.internal", settings("*.hubs.internal=10.0.0.5:8883"))).toBe(true);
  });

  it("says what to set when it refuses", () => {
    expect(hubHostRefusal("evil.example.com", settings())).toMatch(/HIC_IOT_HUB_ADDRESSES/);
    expect(hubHostRefusal("h.azure-devices.net", settings())).toBeNull();
  });

  it("lets the service API reach hubs named for it, and the device check only hubs named for devices", () => {
    const both = {
      HIC_IOT_HUB_ADDRESSES: [],
      HIC_IOT_HUB_SERVICE_ADDRESSES: parseHubAddressRules("hub.internal=10.0.0.5:443").rules,
    };
    expect(isHubHostAllowed("hub.internal", both, "service")).toBe(true);
    expect(isHubHostAllowed("hub.internal", both, "device")).toBe(false);
    expect(isHubHostAllowed("hub.internal", settings("hub.internal=10.0.0.5:8883"), "service")).toBe(true);
    expect(hubHostRefusal("evil.example.com", both, "service")).toMatch(/HIC_IOT_HUB_SERVICE_ADDRESSES/);
  });
});
