import { createDpsClient, createDpsFetch, type DpsClient } from "@/lib/dps";
import { createDpsServiceClient, type DpsServiceClient } from "@/lib/dps/service/client";

const INTERACTIVE_RETRIES = { maxAttempts: 2, baseDelayMs: 500, maxDelayMs: 2_000, maxUnreachableAttempts: 1, maxRetryAfterMs: 5_000 };

/**
 * The DPS client "Test connection" uses: the global fetch (which trusts NODE_EXTRA_CA_CERTS, where the
 * launcher puts the local emulator's CA) and short timeouts, since a person is waiting for the answer.
 * Tests replace this module to trust a test CA.
 */
export function connectionTestDpsClient(): DpsClient {
  return createDpsClient({
    requestTimeoutMs: 10_000,
    operationTimeoutMs: 20_000,
    retryPolicy: INTERACTIVE_RETRIES,
  });
}

/** The service API client for the same moments (testing and saving the connection): short timeouts, few retries. */
export function connectionTestServiceClient(): DpsServiceClient {
  return createDpsServiceClient({ fetch: createDpsFetch(), requestTimeoutMs: 10_000, retryPolicy: INTERACTIVE_RETRIES });
}
