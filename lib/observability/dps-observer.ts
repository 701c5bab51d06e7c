import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { DpsHttpRequest, Exchange } from "@/lib/dps/http";
import { dpsOperationOf, dpsOutcomeOf, recordDpsRequest, type DpsOutcome } from "./metrics";
import { inSpan } from "./tracing";

function outcomeOf(result: Exchange): DpsOutcome {
  return result.type === "reply" ? dpsOutcomeOf(result.reply.status) : result.type;
}

/**
 * Times one DPS exchange, counts it by operation and outcome, and traces it as a client span of
 * whatever attempt made it (lib/dps/http.ts's one hook). The span names the operation, never the
 * URL: that carries the registration ID and the ID Scope.
 */
export function observeDpsExchange(
  request: Pick<DpsHttpRequest, "method" | "url">,
  run: () => Promise<Exchange>,
): Promise<Exchange> {
  const operation = dpsOperationOf(request.method, request.url);
  return inSpan(
    `DPS ${operation}`,
    SpanKind.CLIENT,
    { "http.request.method": request.method, "hic.dps.operation": operation },
    async (span) => {
      const startedAt = performance.now();
      const result = await run();
      const outcome = outcomeOf(result);
      recordDpsRequest(request.method, request.url, outcome, (performance.now() - startedAt) / 1000);
      span.setAttribute("hic.dps.outcome", outcome);
      if (result.type === "reply") span.setAttribute("http.response.status_code", result.reply.status);
      if (outcome !== "2xx") span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
      return result;
    },
  );
}
