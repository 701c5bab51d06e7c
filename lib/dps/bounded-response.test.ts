import { describe, expect, it } from "vitest";
import { exchange, MAX_DPS_RESPONSE_BYTES, type DpsFetch } from "./http";

const request = {
  method: "GET" as const,
  url: "https://global.azure-devices-provisioning.net/x",
  sasToken: "SharedAccessSignature sr=x",
};

function answering(chunks: number, chunkBytes: number): { fetch: DpsFetch; read: () => number } {
  let read = 0;
  const fetch: DpsFetch = async () => ({
    status: 200,
    headers: { get: () => null },
    body: (async function* () {
      for (let i = 0; i < chunks; i++) {
        read += chunkBytes;
        yield new Uint8Array(chunkBytes).fill(0x61);
      }
    })(),
    text: async () => {
      throw new Error("the bounded reader must not buffer the whole body");
    },
  });
  return { fetch, read: () => read };
}

describe("reading a DPS answer", () => {
  it("reads a normal answer whole", async () => {
    const { fetch } = answering(2, 100);
    const result = await exchange(fetch, request, { timeoutMs: 5_000, signal: undefined });
    expect(result).toMatchObject({ type: "reply", reply: { status: 200, body: "a".repeat(200) } });
  });

  it("stops reading an endless answer at the limit instead of holding it in memory", async () => {
    const { fetch, read } = answering(10_000, 16 * 1024);
    const result = await exchange(fetch, request, { timeoutMs: 5_000, signal: undefined });
    expect(result.type).toBe("network-error");
    expect(String((result as { error: Error }).error?.message)).toMatch(/more than 64 KiB/);
    expect(read()).toBeLessThanOrEqual(MAX_DPS_RESPONSE_BYTES + 16 * 1024);
  });
});
