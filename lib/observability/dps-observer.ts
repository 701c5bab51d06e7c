import type { DpsHttpRequest, Exchange } from "@/lib/dps/http";
import { dpsOutcomeOf, recordDpsRequest, type DpsOutcome } from "./metrics";

function outcomeOf(result: Exchange): DpsOutcome {
  return result.type === "reply" ? dpsOutcomeOf(result.reply.status) : result.type;
}

/** Times one DPS exchange and counts it by operation and outcome (lib/dps/http.ts's one hook). */
export async function observeDpsExchange(
  request: Pick<DpsHttpRequest, "method" | "url">,
  run: () => Promise<Exchange>,
): Promise<Exchange> {
  const startedAt = performance.now();
  const result = await run();
  recordDpsRequest(request.method, request.url, outcomeOf(result), (performance.now() - startedAt) / 1000);
  return result;
}
