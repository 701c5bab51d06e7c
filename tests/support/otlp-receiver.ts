import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * An in-memory OpenTelemetry collector for tests: accepts OTLP/HTTP JSON exports on POST
 * /v1/traces (what @opentelemetry/exporter-trace-otlp-http sends) and keeps every span with the
 * service that sent it. Point OTEL_EXPORTER_OTLP_ENDPOINT at `url`.
 */

/** A span as an OTLP/HTTP JSON export carries it, with the service that sent it. */
export type ReceivedSpan = {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  attributes: Record<string, unknown>;
};

export type OtlpReceiver = { url: string; spans: ReceivedSpan[]; close: () => Promise<void> };

type Attr = { key: string; value: Record<string, unknown> };
type Export = {
  resourceSpans: {
    resource: { attributes: Attr[] };
    scopeSpans: {
      spans: { traceId: string; spanId: string; parentSpanId?: string; name: string; attributes: Attr[] }[];
    }[];
  }[];
};

const flat = (list: Attr[] = []) => Object.fromEntries(list.map((a) => [a.key, Object.values(a.value)[0]]));

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      if (
        req.method !== "POST" ||
        req.url !== "/v1/traces" ||
        !/json/.test(req.headers["content-type"] ?? "")
      ) {
        res.writeHead(415).end();
        return;
      }
      const payload = JSON.parse(body) as Export;
      for (const resource of payload.resourceSpans) {
        const service = String(flat(resource.resource.attributes)["service.name"]);
        for (const scope of resource.scopeSpans)
          for (const span of scope.spans)
            spans.push({
              service,
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId ?? "",
              name: span.name,
              attributes: flat(span.attributes),
            });
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
