import { describe, expect, it } from "vitest";
import { hasHubAddressRule, parseHubAddressRules, resolveHubAddress } from "./hub-addresses";

describe("hub address rules", () => {
  it("parses hub=host:port rules, with *. for subdomains", () => {
    const { rules, errors } = parseHubAddressRules(
      " *.azure-devices.net=127.0.0.1:8884 , hub-2.azure-devices.net=proxy.internal:443",
    );
    expect(errors).toEqual([]);
    expect(rules).toEqual([
      { pattern: "*.azure-devices.net", host: "127.0.0.1", port: 8884 },
      { pattern: "hub-2.azure-devices.net", host: "proxy.internal", port: 443 },
    ]);
  });

  it("names each bad rule", () => {
    const { errors } = parseHubAddressRules("hub=127.0.0.1, =a:1, x.net=a:99999, ok.net=a:1");
    expect(errors).toHaveLength(3);
    expect(errors[0]).toContain('"hub=127.0.0.1"');
  });

  it("prefers an exact name, then the longest suffix, else the hub itself on 8883", () => {
    const { rules } = parseHubAddressRules(
      "*.net=far:1, *.azure-devices.net=near:2, hub-2.azure-devices.net=exact:3",
    );
    expect(resolveHubAddress("hub-2.azure-devices.net", rules)).toEqual({ host: "exact", port: 3 });
    expect(resolveHubAddress("Hub-1.Azure-Devices.net", rules)).toEqual({ host: "near", port: 2 });
    expect(resolveHubAddress("other.example.org", rules)).toEqual({ host: "other.example.org", port: 8883 });
  });

  it("does not let *.suffix match the bare suffix", () => {
    const { rules } = parseHubAddressRules("*.azure-devices.net=a:1");
    expect(hasHubAddressRule("azure-devices.net", rules)).toBe(false);
    expect(hasHubAddressRule("h.azure-devices.net", rules)).toBe(true);
  });
});
