import { readFileSync } from "node:fs";
import { createDpsClient, type DpsClient } from "@/lib/dps";
import { createDpsFetch } from "@/lib/provisioning/dps-fetch";

/**
 * The DPS client "Test connection" uses: the engine's kind of fetch (only to hosts the outbound
 * policy allows; the local emulator's CA trusted for the emulator alone) and short timeouts, since
 * a person is waiting for the answer. Tests replace this module to trust a test CA.
 */
export function connectionTestDpsClient(): DpsClient {
  return createDpsClient({
    fetch: createDpsFetch({ enforceHostPolicy: true, caPem: process.env.HIC_DPS_CA_FILE ? readCa(process.env.HIC_DPS_CA_FILE) : undefined }),
    requestTimeoutMs: 10_000,
    operationTimeoutMs: 20_000,
    retryPolicy: { maxAttempts: 2, baseDelayMs: 500, maxDelayMs: 2_000, maxUnreachableAttempts: 1, maxRetryAfterMs: 5_000 },
  });
}

function readCa(file: string): string {
  return readFileSync(file, "utf8");
}
