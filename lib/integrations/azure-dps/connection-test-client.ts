import { readFileSync } from "node:fs";
import { createDpsClient, createDpsFetch, type DpsClient, type DpsFetch } from "@/lib/dps";
import { createDpsServiceClient, type DpsServiceClient } from "@/lib/dps/service/client";
import { env } from "@/lib/env";

const INTERACTIVE_RETRIES = {
  maxAttempts: 2,
  baseDelayMs: 500,
  maxDelayMs: 2_000,
  maxUnreachableAttempts: 1,
  maxRetryAfterMs: 5_000,
};

/** Only to hosts the outbound policy allows; the local emulator's CA trusted for the emulator alone. */
function interactiveFetch(): DpsFetch {
  const caFile = env().HIC_DPS_CA_FILE;
  return createDpsFetch({
    enforceHostPolicy: true,
    ...(caFile ? { caPem: readFileSync(caFile, "utf8") } : {}),
  });
}

/**
 * The DPS client "Test connection" uses: the engine's kind of fetch (only to hosts the outbound
 * policy allows; the local emulator's CA trusted for the emulator alone) and short timeouts, since
 * a person is waiting for the answer. Tests replace this module to trust a test CA.
 */
export function connectionTestDpsClient(): DpsClient {
  return createDpsClient({
    fetch: interactiveFetch(),
    requestTimeoutMs: 10_000,
    operationTimeoutMs: 20_000,
    retryPolicy: INTERACTIVE_RETRIES,
  });
}

/** The service API client for the same moments (testing and saving the connection): short timeouts, few retries. */
export function connectionTestServiceClient(): DpsServiceClient {
  return createDpsServiceClient({
    fetch: interactiveFetch(),
    requestTimeoutMs: 10_000,
    retryPolicy: INTERACTIVE_RETRIES,
  });
}
