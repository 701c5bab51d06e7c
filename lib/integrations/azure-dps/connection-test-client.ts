import { readFileSync } from "node:fs";
import { createDpsClient, createDpsFetch, type DpsClient } from "@/lib/dps";
import { env } from "@/lib/env";

/**
 * The DPS client "Test connection" uses: the engine's kind of fetch (only to hosts the outbound
 * policy allows; the local emulator's CA trusted for the emulator alone) and short timeouts, since
 * a person is waiting for the answer. Tests replace this module to trust a test CA.
 */
export function connectionTestDpsClient(): DpsClient {
  const caFile = env().HIC_DPS_CA_FILE;
  return createDpsClient({
    fetch: createDpsFetch({ enforceHostPolicy: true, ...(caFile ? { caPem: readFileSync(caFile, "utf8") } : {}) }),
    requestTimeoutMs: 10_000,
    operationTimeoutMs: 20_000,
    retryPolicy: { maxAttempts: 2, baseDelayMs: 500, maxDelayMs: 2_000, maxUnreachableAttempts: 1, maxRetryAfterMs: 5_000 },
  });
}
