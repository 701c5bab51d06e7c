import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseEnv, setEnv } from "@/lib/env";
import {
  clientAddressFrom,
  normalizeAddress,
  SOCKET_ADDRESS_HEADER,
  untrustedForwardingSeen,
} from "./client-address";

const MARKER = Symbol.for("hic.socketAddressHeader");
const headers = (entries: Record<string, string>) => new Headers(entries);
/** As if the app had been started with HIC_TRUSTED_PROXIES set to `value`. */
const trustProxies = (value: string) =>
  setEnv({ HIC_TRUSTED_PROXIES: parseEnv({ HIC_TRUSTED_PROXIES: value }).HIC_TRUSTED_PROXIES });

describe("the client address", () => {
  beforeEach(() => {
    (globalThis as Record<symbol, unknown>)[MARKER] = SOCKET_ADDRESS_HEADER;
    setEnv({ HIC_TRUSTED_PROXIES: [] });
  });
  afterEach(() => {
    delete (globalThis as Record<symbol, unknown>)[MARKER];
    setEnv({ HIC_TRUSTED_PROXIES: [] });
  });

  it("notes, once, the first untrusted socket that sent X-Forwarded-For, for the administrators' warning", () => {
    delete (globalThis as Record<symbol, unknown>)[Symbol.for("hic.untrustedForwarding")];
    clientAddressFrom(headers({ [SOCKET_ADDRESS_HEADER]: "198.51.100.4" }));
    expect(untrustedForwardingSeen()).toBeNull();
    clientAddressFrom(headers({ [SOCKET_ADDRESS_HEADER]: "198.51.100.5", "x-forwarded-for": "1.2.3.4" }));
    clientAddressFrom(headers({ [SOCKET_ADDRESS_HEADER]: "198.51.100.6", "x-forwarded-for": "1.2.3.4" }));
    expect(untrustedForwardingSeen()).toMatchObject({ socket: "198.51.100.5" });
    trustProxies("10.0.0.0/8");
    delete (globalThis as Record<symbol, unknown>)[Symbol.for("hic.untrustedForwarding")];
    clientAddressFrom(headers({ [SOCKET_ADDRESS_HEADER]: "10.1.1.1", "x-forwarded-for": "1.2.3.4" }));
    expect(untrustedForwardingSeen()).toBeNull();
  });

  it("is the socket address, whatever X-Forwarded-For and X-Real-IP claim", () => {
    const h = headers({
      [SOCKET_ADDRESS_HEADER]: "::ffff:203.0.113.9",
      "x-forwarded-for": "1.2.3.4",
      "x-real-ip": "5.6.7.8",
    });
    expect(clientAddressFrom(h)).toBe("203.0.113.9");
  });

  it("is unknown when the app does not run behind its own server (the header could be the client's)", () => {
    delete (globalThis as Record<symbol, unknown>)[MARKER];
    expect(clientAddressFrom(headers({ [SOCKET_ADDRESS_HEADER]: "203.0.113.9" }))).toBeNull();
  });

  it("behind a trusted proxy, is the first untrusted hop from the right", () => {
    trustProxies("10.0.0.0/8, 192.0.2.1");
    const h = headers({
      [SOCKET_ADDRESS_HEADER]: "10.1.1.1",
      "x-forwarded-for": "6.6.6.6, 198.51.100.7, 192.0.2.1, 10.2.2.2",
    });
    expect(clientAddressFrom(h)).toBe("198.51.100.7");
  });

  it("ignores X-Forwarded-For when the socket is not a trusted proxy", () => {
    trustProxies("10.0.0.0/8");
    expect(
      clientAddressFrom(headers({ [SOCKET_ADDRESS_HEADER]: "198.51.100.7", "x-forwarded-for": "6.6.6.6" })),
    ).toBe("198.51.100.7");
  });

  it("stops at a malformed hop and keeps the last address it could trust", () => {
    trustProxies("10.0.0.1");
    expect(
      clientAddressFrom(
        headers({ [SOCKET_ADDRESS_HEADER]: "10.0.0.1", "x-forwarded-for": "1.1.1.1, not-an-ip" }),
      ),
    ).toBe("10.0.0.1");
  });

  it("reads addresses with ports, brackets and IPv4-mapped IPv6", () => {
    expect(normalizeAddress("[2001:db8::1]:443")).toBe("2001:db8::1");
    expect(normalizeAddress("198.51.100.7:5000")).toBe("198.51.100.7");
    expect(normalizeAddress("::FFFF:198.51.100.7")).toBe("198.51.100.7");
    expect(normalizeAddress("unknown")).toBeNull();
  });

  it("refuses a HIC_TRUSTED_PROXIES that is not addresses or CIDR blocks, naming the setting", () => {
    expect(() => trustProxies("my-proxy.local")).toThrow(
      /HIC_TRUSTED_PROXIES must be a comma-separated list of IP addresses or CIDR blocks/,
    );
  });
});
