import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { HUB_A, startTestEmulator, testConfig, type TestEmulator } from "@/tests/support/dps-emulator";

import { hubConnection, officialRegistry, provisionThroughDps } from "@/tests/support/iot-hub-emulator";

// azure-iothub brings its own copy of azure-iot-common, so its errors are told apart by name, not class.
describe("the official service SDK (azure-iothub Registry) against the local IoT Hub", () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator(testConfig());
  });
  afterAll(() => emulator.dispose());

  const owner = () => officialRegistry(emulator, hubConnection(emulator, HUB_A).ownerConnectionString);

  it("gets the identity DPS created, with the derived key, enabled, and its etag", async () => {
    const device = await provisionThroughDps(emulator, "service-sdk-get");
    const registry = officialRegistry(
      emulator,
      hubConnection(emulator, device.hub).registryReadConnectionString,
    );
    const { responseBody: identity, httpResponse } = await registry.get(device.deviceId);
    expect(identity.deviceId).toBe(device.deviceId);
    expect(identity.status).toBe("enabled");
    expect(identity.connectionState).toBe("Disconnected");
    expect((identity.authentication as { type?: string } | undefined)?.type).toBe("sas");
    expect(identity.authentication?.symmetricKey?.primaryKey).toBe(device.deviceKey);
    expect(httpResponse.headers.etag).toBe(`"${identity.etag}"`);
  });

  it("creates, updates (disables), and deletes an identity; a stale etag is refused", async () => {
    const registry = owner();
    const { responseBody: created } = await registry.create({
      deviceId: "made-by-service",
      status: "enabled",
    });
    expect(created.authentication?.symmetricKey?.primaryKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    await expect(registry.create({ deviceId: "made-by-service" })).rejects.toMatchObject({
      name: "DeviceAlreadyExistsError",
    });

    const { responseBody: disabled } = await registry.update({
      deviceId: "made-by-service",
      status: "disabled",
      statusReason: "retired",
    } as never);
    expect(disabled.status).toBe("disabled");
    expect(disabled.etag).not.toBe(created.etag);
    expect(emulator.iotHub.admin.getIdentity(HUB_A, "made-by-service")?.statusReason).toBe("retired");

    await registry.delete("made-by-service");
    await expect(registry.get("made-by-service")).rejects.toMatchObject({ name: "DeviceNotFoundError" });
    await expect(registry.delete("made-by-service")).rejects.toMatchObject({ name: "DeviceNotFoundError" });
  });

  it("reads the twin with what the device reported", async () => {
    const device = await provisionThroughDps(emulator, "service-sdk-twin");
    emulator.iotHub.admin.getIdentity(device.hub, device.deviceId);
    const registry = officialRegistry(emulator, hubConnection(emulator, device.hub).ownerConnectionString);
    const { responseBody: twin } = await registry.getTwin(device.deviceId);
    expect(twin.deviceId).toBe(device.deviceId);
    expect(twin.properties.reported.$version).toBe(1);
    const { responseBody: patched } = await registry.updateTwin(
      device.deviceId,
      { tags: { site: "lab" }, properties: { desired: { interval: 30 } } },
      twin.etag,
    );
    expect(patched.tags).toEqual({ site: "lab" });
    expect(patched.properties.desired.interval).toBe(30);
    await expect(
      registry.updateTwin(device.deviceId, { tags: { site: "other" } }, twin.etag),
    ).rejects.toMatchObject({ name: "InvalidEtagError" });
  });

  it("pages through a query with the continuation token", async () => {
    const registry = owner();
    for (const index of [1, 2, 3, 4, 5])
      await registry.create({ deviceId: `paged-${index}`, status: "enabled" });
    await registry.update({ deviceId: "paged-3", status: "disabled" } as never);

    const query = registry.createQuery(
      "SELECT * FROM devices WHERE status = 'enabled' AND deviceId != 'x'",
      2,
    );
    const seen: string[] = [];
    let page = await query.next();
    seen.push(...(page.result as { deviceId: string }[]).map((twin) => twin.deviceId));
    expect(query.hasMoreResults).toBe(true);
    while (query.hasMoreResults) {
      // The promise form does not reuse the stored token by itself.
      page = await query.next(query.continuationToken);
      expect((page.result as unknown[]).length).toBeLessThanOrEqual(2);
      seen.push(...(page.result as { deviceId: string }[]).map((twin) => twin.deviceId));
    }
    expect(seen.filter((id) => id.startsWith("paged-"))).toEqual([
      "paged-1",
      "paged-2",
      "paged-4",
      "paged-5",
    ]);
  });

  it("enforces each policy's rights: registryRead may read but not delete", async () => {
    const device = await provisionThroughDps(emulator, "service-sdk-rights");
    const reader = officialRegistry(
      emulator,
      hubConnection(emulator, device.hub).registryReadConnectionString,
    );
    await expect(reader.get(device.deviceId)).resolves.toBeDefined();
    const refusal = await reader.delete(device.deviceId).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ name: "UnauthorizedError" });
    expect((refusal as Error).message).toMatch(/does not allow access for 'RegistryWrite'/);
    const readWrite = officialRegistry(
      emulator,
      hubConnection(emulator, device.hub).registryReadWriteConnectionString,
    );
    // Twin updates need ServiceConnect, which registryReadWrite lacks.
    await expect(readWrite.updateTwin(device.deviceId, { tags: { a: 1 } }, "*")).rejects.toMatchObject({
      name: "UnauthorizedError",
    });
    await readWrite.delete(device.deviceId);
    expect(emulator.iotHub.admin.getIdentity(device.hub, device.deviceId)).toBeUndefined();
  });

  it("refuses a connection string with a wrong key, and answers 429 while the hub throttles", async () => {
    const { ownerConnectionString } = hubConnection(emulator, HUB_A);
    const wrong = ownerConnectionString.replace(
      /SharedAccessKey=.*$/,
      `SharedAccessKey=${Buffer.alloc(32, 1).toString("base64")}`,
    );
    await expect(officialRegistry(emulator, wrong).get("anything")).rejects.toMatchObject({
      name: "UnauthorizedError",
    });
    emulator.iotHub.admin.setHubThrottled(HUB_A, true);
    try {
      await expect(owner().get("anything")).rejects.toMatchObject({ name: "ThrottlingError" });
    } finally {
      emulator.iotHub.admin.setHubThrottled(HUB_A, false);
    }
  });
});
