import { readFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import type { PanelData, PictureData, SeriesData } from "./picture-data";

/**
 * A picture of the dashboard (ops/grafana/hic-dashboard.json) from a real run: every panel's own
 * PromQL is asked of a Prometheus that scraped the run (`/api/v1/query_range`), and the answers
 * are drawn by ./panels.tsx (recharts, in a browser page). Grafana itself is not packaged for
 * Debian; the picture follows the dashboard's grid, titles, legends, units and value mappings.
 * e2e/prometheus-fleet.spec.ts makes it after its run (test support, not part of the app) (docs/dashboard.png with HIC_SCREENSHOTS=1).
 */

type GrafanaPanel = {
  title: string;
  type: string;
  gridPos: { x: number; y: number; w: number; h: number };
  fieldConfig?: {
    defaults?: { unit?: string; mappings?: { type: string; options: Record<string, { text: string }> }[] };
  };
  targets: { expr: string; legendFormat?: string }[];
};

type RangeResult = { metric: Record<string, string>; values: [number, string][] };

const DASHBOARD = path.join(process.cwd(), "ops", "grafana", "hic-dashboard.json");

/** Grafana's legend format: `{{label}}` replaced by the series' label value. */
function legend(format: string | undefined, metric: Record<string, string>, expr: string): string {
  if (format) return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => metric[name] ?? "");
  const labels = Object.entries(metric).map(([k, v]) => `${k}=${v}`);
  return labels.length > 0 ? labels.join(", ") : expr.length > 40 ? `${expr.slice(0, 40)}…` : expr;
}

async function queryRange(
  prometheusUrl: string,
  expr: string,
  start: number,
  end: number,
  step: number,
): Promise<RangeResult[]> {
  const url = new URL("/api/v1/query_range", prometheusUrl);
  url.search = new URLSearchParams({
    query: expr,
    start: String(start),
    end: String(end),
    step: String(step),
  }).toString();
  const body = (await (await fetch(url)).json()) as {
    status: string;
    error?: string;
    data: { result: RangeResult[] };
  };
  if (body.status !== "success") throw new Error(`Prometheus refused ${expr}: ${body.error}`);
  return body.data.result;
}

/** Every panel's series over [start, end] (Unix seconds). */
export async function pictureData(
  prometheusUrl: string,
  start: number,
  end: number,
  caption: string,
): Promise<PictureData> {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as { title: string; panels: GrafanaPanel[] };
  const step = Math.max(1, Math.round((end - start) / 200));
  const panels: PanelData[] = [];
  for (const panel of dashboard.panels) {
    if (panel.type !== "stat" && panel.type !== "timeseries") continue;
    const series: SeriesData[] = [];
    for (const target of panel.targets) {
      for (const result of await queryRange(prometheusUrl, target.expr, start, end, step))
        series.push({
          name: legend(target.legendFormat, result.metric, target.expr),
          points: result.values
            .map(([t, v]) => [t, Number(v)] as [number, number])
            .filter(([, v]) => Number.isFinite(v)),
        });
    }
    const mappings = Object.fromEntries(
      (panel.fieldConfig?.defaults?.mappings ?? [])
        .filter((m) => m.type === "value")
        .flatMap((m) => Object.entries(m.options).map(([value, option]) => [value, option.text])),
    );
    panels.push({
      title: panel.title,
      type: panel.type,
      grid: panel.gridPos,
      unit: panel.fieldConfig?.defaults?.unit,
      mappings,
      series,
    });
  }
  return { title: dashboard.title, caption, start, end, panels };
}

const STYLE = `
  body { margin: 0; font: 13px system-ui, sans-serif; color: #111827; background: #f3f4f6; }
  main { position: relative; padding: 8px; }
  header { height: 32px; font-weight: 600; font-size: 15px; }
  section { position: absolute; box-sizing: border-box; background: #fff; border: 1px solid #d1d5db;
    border-radius: 4px; padding: 4px; overflow: hidden; }
  h2 { margin: 0 0 4px; font-size: 12px; font-weight: 600; }
  .stat .value { font-size: 30px; font-weight: 600; text-align: center; }
  .empty { color: #6b7280; padding: 16px; }
`;

/** A self-contained HTML page (data and script inlined) that draws the panels and sets `data-ready` on its body. */
export async function pictureHtml(data: PictureData): Promise<string> {
  const bundle = await build({
    entryPoints: [path.join(process.cwd(), "e2e", "support", "dashboard-picture", "panels.tsx")],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    jsx: "automatic",
    minify: true,
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "silent",
  });
  const script = bundle.outputFiles[0]!.text.replace(/<\/script/gi, "<\\/script");
  const json = JSON.stringify(data).replace(/</g, "\\u003c");
  return `<!doctype html><html><head><meta charset="utf-8"><style>${STYLE}</style></head><body><div id="root"></div><script>window.PICTURE_DATA=${json};</script><script>${script}</script></body></html>`;
}
