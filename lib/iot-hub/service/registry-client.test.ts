import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { HUB_A, startTestEmulator, testConfig, type TestEmulator } from "@/tests/support/dps-emulator";
import { hubConnection, localHubFetch, provisionThroughDps } from "@/tests/support/iot-hub-emulator";
import { parseHubConnectionString, type HubServiceConnection } from "./connection-string";
import { createHubFetch } from "./hub-fetch";
import { createHubRegistryClient, type HubRegistryClient } from "./registry-client";
import type { HttpFetch } from "@/lib/http/fetch-types";

const noWait = async () => {};

describe("the hub registry client against the local IoT Hub", () => {
  let emulator: TestEmulator;
  let client: HubRegistryClient;
  let fetch: HttpFetch;

  beforeAll(async () => {
    emulator = await startTestEmulator(testConfig());
    fetch = localHubFetch(emulator);
    client = createHubRegistryClient({ fetch, sleep: noWait });
  });
  afterAll(() => emulator.dispose());

  const connection = (
    hub: string,
    policy: "owner" | "registryRead" | "registryReadWrite",
  ): HubServiceConnection => {
    const strings = hubConnection(emulator, hub);
    const text =
      policy === "owner"
        ? strings.ownerConnectionString
        : policy === "registryRead"
          ? strings.registryReadConnectionString
          : strings.registryReadWriteConnectionString;
    const parsed = parseHubConnectionString(text);
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.value;
  };

  it("reads the identity DPS created: enabled, SAS, with its etag and generation", async () => {
    const device = await provisionThroughDps(emulator, "registry-get");
    const result = await client.getIdentity(connection(device.hub, "registryRead"), device.deviceId);
    const stored = emulator.iotHub.admin.getIdentity(device.hub, device.deviceId)!;
    expect(result).toEqual({
      ok: true,
      value: {
        deviceId: device.deviceId,
        etag: stored.etag,
        generationId: stored.generationId,
        status: "enabled",
        statusReason: null,
        authenticationType: "sas",
        connectionState: "Disconnected",
        connectionStateUpdatedTime: null,
        lastActivityTime: null,
      },
    });
  });

  it("answers not-found for an identity the hub does not hold", async () => {
    const result = await client.getIdentity(connection(HUB_A, "registryRead"), "never-provisioned");
    expect(result).toMatchObject({ ok: false, failure: { kind: "not-found", status: 404 } });
  });

  it("disables and enables with the etag, keeping the keys; a stale etag is refused with 412", async () => {
    const device = await provisionThroughDps(emulator, "registry-disable");
    const writer = connection(device.hub, "registryReadWrite");
    const before = await client.getIdentity(writer, device.deviceId);
    if (!before.ok) throw new Error(before.failure.message);

    const disabled = await client.setIdentityStatus(
      writer,
      device.deviceId,
      "disabled",
      "blocked by an operator",
      before.value.etag,
    );
    expect(disabled).toMatchObject({
      ok: true,
      value: { status: "disabled", statusReason: "blocked by an operator" },
    });
    const stored = emulator.iotHub.admin.getIdentity(device.hub, device.deviceId)!;
    expect(stored.status).toBe("disabled");
    expect(stored.primaryKey).toBe(device.deviceKey);

    const stale = await client.setIdentityStatus(writer, device.deviceId, "enabled", null, before.value.etag);
    expect(stale).toMatchObject({ ok: false, failure: { kind: "precondition-failed", status: 412 } });
    expect(emulator.iotHub.admin.getIdentity(device.hub, device.deviceId)!.status).toBe("disabled");

    const enabled = await client.setIdentityStatus(writer, device.deviceId, "enabled", null, null);
    expect(enabled).toMatchObject({ ok: true, value: { status: "enabled" } });
    expect(emulator.iotHub.admin.getIdentity(device.hub, device.deviceId)!.primaryKey).toBe(device.deviceKey);
  });

  it("does not create an identity when asked to change the status of one that is not there", async () => {
    const writer = connection(HUB_A, "registryReadWrite");
    const result = await client.setIdentityStatus(writer, "not-there-either", "disabled", null, null);
    expect(result).toMatchObject({ ok: false, failure: { kind: "not-found" } });
    expect(emulator.iotHub.admin.getIdentity(HUB_A, "not-there-either")).toBeUndefined();
  });

  it("deletes with the etag (412 when stale), and a second delete is not-found", async () => {
    const device = await provisionThroughDps(emulator, "registry-delete");
    const writer = connection(device.hub, "registryReadWrite");
    const current = await client.getIdentity(writer, device.deviceId);
    if (!current.ok) throw new Error(current.failure.message);

    const stale = await client.deleteIdentity(writer, device.deviceId, "c3RhbGU=");
    expect(stale).toMatchObject({ ok: false, failure: { kind: "precondition-failed", status: 412 } });
    expect(await client.deleteIdentity(writer, device.deviceId, current.value.etag)).toEqual({
      ok: true,
      value: null,
    });
    expect(emulator.iotHub.admin.getIdentity(device.hub, device.deviceId)).toBeUndefined();
    expect(await client.deleteIdentity(writer, device.deviceId, null)).toMatchObject({
      ok: false,
      failure: { kind: "not-found" },
    });
  });

  it("refuses writes under a read-only policy with 401, changing nothing", async () => {
    const device = await provisionThroughDps(emulator, "registry-read-only");
    const reader = connection(device.hub, "registryRead");
    expect(await client.deleteIdentity(reader, device.deviceId, null)).toMatchObject({
      ok: false,
      failure: { kind: "unauthorized", status: 401 },
    });
    expect(await client.setIdentityStatus(reader, device.deviceId, "disabled", null, null)).toMatchObject({
      ok: false,
      failure: { kind: "unauthorized", status: 401 },
    });
    expect(emulator.iotHub.admin.getIdentity(device.hub, device.deviceId)?.status).toBe("enabled");
  });

  it("queries every identity page by page with the continuation token", async () => {
    let hub = "";
    for (let index = 0; index < 5; index += 1)
      hub = (await provisionThroughDps(emulator, `registry-query-${index}`)).hub;
    const reader = connection(hub, "registryRead");
    const inHub = emulator.iotHub.admin.listIdentities(hub).map((identity) => identity.deviceId);
    expect(inHub.length).toBeGreaterThan(2);
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const page = await client.queryIdentities(reader, { pageSize: 2, continuationToken: token });
      if (!page.ok) throw new Error(page.failure.message);
      expect(page.value.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.value.items.map((item) => item.deviceId));
      token = page.value.continuationToken;
      pages += 1;
    } while (token !== null && pages < 100);
    expect(seen.sort()).toEqual(inHub.sort());
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(inHub.length / 2));

    const stored = emulator.iotHub.admin.getIdentity(hub, inHub[0]!)!;
    const all = await client.queryIdentities(reader, { pageSize: 1000 });
    expect(all.ok && all.value.continuationToken).toBeNull();
    expect(all.ok && all.value.items.find((item) => item.deviceId === stored.deviceId)).toMatchObject({
      etag: stored.etag,
      status: stored.status,
      authenticationType: "sas",
    });
  });

  it.each([
    ["registryRead", { registryRead: true, registryWrite: false }],
    ["registryReadWrite", { registryRead: true, registryWrite: true }],
    ["owner", { registryRead: true, registryWrite: true }],
  ] as const)("probes the rights of the %s policy without changing anything", async (policy, rights) => {
    const { hub } = await provisionThroughDps(emulator, `registry-probe-${policy}`);
    const before = JSON.stringify(emulator.iotHub.admin.listIdentities(hub));
    expect(before).not.toBe("[]");
    expect(await client.probeRights(connection(hub, policy))).toEqual({ ok: true, value: rights });
    expect(JSON.stringify(emulator.iotHub.admin.listIdentities(hub))).toBe(before);
  });

  it("answers 401 for a wrong key, with no key, token or signature in any message", async () => {
    const wrong = { ...connection(HUB_A, "owner"), key: Buffer.alloc(32, 9).toString("base64") };
    const sent: string[] = [];
    const spying = createHubRegistryClient({
      fetch: async (url, init) => {
        sent.push(init.headers?.Authorization ?? "");
        return fetch(url, init);
      },
      sleep: noWait,
    });
    const probe = await spying.probeRights(wrong);
    const get = await spying.getIdentity(wrong, "anything");
    expect(probe).toMatchObject({ ok: false, failure: { kind: "unauthorized", status: 401 } });
    expect(get).toMatchObject({ ok: false, failure: { kind: "unauthorized", status: 401 } });
    const messages = JSON.stringify([probe, get]);
    expect(sent.length).toBeGreaterThan(0);
    for (const secret of [wrong.key, ...sent, ...sent.map((token) => /sig=([^&]+)/.exec(token)![1]!)])
      expect(messages).not.toContain(secret);
  });

  it("tells an offline or throttling hub apart from a missing identity", async () => {
    const reader = connection(HUB_A, "registryRead");
    emulator.iotHub.admin.setHubThrottled(HUB_A, true);
    try {
      expect(await client.getIdentity(reader, "x")).toMatchObject({
        ok: false,
        failure: { kind: "throttled", status: 429 },
      });
    } finally {
      emulator.iotHub.admin.setHubThrottled(HUB_A, false);
    }
    emulator.iotHub.admin.setHubOnline(HUB_A, false);
    try {
      expect(await client.getIdentity(reader, "x")).toMatchObject({
        ok: false,
        failure: { kind: "server", status: 503 },
      });
    } finally {
      emulator.iotHub.admin.setHubOnline(HUB_A, true);
    }
  });

  it("answers unreachable when nothing listens at the hub's address", async () => {
    const nowhere = createHubRegistryClient({
      fetch: createHubFetch({ rules: [{ pattern: "*.azure-devices.net", host: "127.0.0.1", port: 1 }] }),
      sleep: noWait,
    });
    expect(await nowhere.getIdentity(connection(HUB_A, "registryRead"), "x")).toMatchObject({
      ok: false,
      failure: { kind: "unreachable", status: null },
    });
  });
});

describe("the hub registry client's guards", () => {
  const connection: HubServiceConnection = {
    hostName: "hub.example.com",
    policyName: "registryRead",
    key: Buffer.alloc(32, 1).toString("base64"),
  };

  it("sends nothing to a hub outside the outbound host policy", async () => {
    const fetch = vi.fn<HttpFetch>();
    const client = createHubRegistryClient({ fetch, hostRefusal: () => "not an Azure hub" });
    expect(await client.probeRights(connection)).toEqual({
      ok: false,
      failure: { kind: "not-allowed-host", status: null, message: "not an Azure hub" },
    });
    expect(fetch).not.toHaveBeenCalled();
  });

  it("stops reading an answer past its bound", async () => {
    const huge = "x".repeat(200 * 1024);
    const client = createHubRegistryClient({
      fetch: async () => ({ status: 200, headers: { get: () => null }, text: async () => huge }),
      sleep: noWait,
    });
    expect(await client.getIdentity(connection, "d1")).toMatchObject({
      ok: false,
      failure: { kind: "invalid-response" },
    });
  });

  it("retries throttling no sooner than the hub asks, then gives the failure back", async () => {
    const waits: number[] = [];
    let calls = 0;
    const client = createHubRegistryClient({
      fetch: async () => {
        calls += 1;
        return {
          status: 429,
          headers: { get: (name) => (name === "retry-after" ? "2" : null) },
          text: async () => "",
        };
      },
      sleep: async (ms) => {
        waits.push(ms);
      },
      random: () => 0,
    });
    expect(await client.getIdentity(connection, "d1")).toMatchObject({
      ok: false,
      failure: { kind: "throttled" },
    });
    expect(calls).toBe(3);
    expect(waits.every((ms) => ms >= 2000)).toBe(true);
  });

  it("never takes a hub that does not exist for a missing identity", async () => {
    const client = createHubRegistryClient({
      fetch: async () => ({
        status: 404,
        headers: { get: () => null },
        text: async () => JSON.stringify({ Message: "ErrorCode:IotHubNotFound;IoT hub not found" }),
      }),
      sleep: noWait,
    });
    expect(await client.deleteIdentity(connection, "d1", null)).toMatchObject({
      ok: false,
      failure: { kind: "unreachable", status: 404 },
    });
  });
});
