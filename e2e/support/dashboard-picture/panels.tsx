/**
 * The browser side of the dashboard picture (./render.ts bundles it with esbuild): draws the
 * panels of ops/grafana/hic-dashboard.json from the series Prometheus answered, laid out on the
 * dashboard's own 24-column grid, with recharts. Stat panels show their last value; time series
 * panels one line per series, named by the panel's legend format.
 */
import { createRoot } from "react-dom/client";
import { CartesianGrid, Legend, Line, LineChart, XAxis, YAxis } from "recharts";
import type { PanelData, PictureData } from "./picture-data";

const COLUMN = 56; // px per grid column (24 columns)
const ROW = 34; // px per grid row
const COLOURS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"];

function formatValue(value: number | null, unit: string | undefined): string {
  if (value === null || Number.isNaN(value)) return "–";
  if (unit === "s") return value < 1 ? `${Math.round(value * 1000)} ms` : `${value.toFixed(1)} s`;
  if (Number.isInteger(value)) return value.toLocaleString("en");
  return value.toLocaleString("en", { maximumFractionDigits: 2 });
}

function clock(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(11, 19);
}

/** The last value, large, over a sparkline of the whole run (as Grafana's stat panel draws it). */
function Stat({ panel, width, height }: { panel: PanelData; width: number; height: number }) {
  const points = panel.series[0]?.points ?? [];
  const last = points.at(-1)?.[1] ?? null;
  const text = panel.mappings?.[String(last)] ?? formatValue(last, panel.unit);
  return (
    <div className="stat">
      <div className="value">{text}</div>
      <LineChart width={width} height={height} data={points.map(([t, v]) => ({ t, v }))}>
        <XAxis dataKey="t" type="number" domain={["dataMin", "dataMax"]} hide />
        <YAxis hide domain={[0, "auto"]} />
        <Line dataKey="v" stroke="#2563eb" dot={false} strokeWidth={1.5} isAnimationActive={false} />
      </LineChart>
    </div>
  );
}

function TimeSeries({ panel, width, height }: { panel: PanelData; width: number; height: number }) {
  // One row per timestamp, one column per series (recharts' data shape).
  const rows = new Map<number, Record<string, number>>();
  panel.series.forEach((series, index) => {
    for (const [t, v] of series.points) {
      const row = rows.get(t) ?? { t };
      row[`s${index}`] = v;
      rows.set(t, row);
    }
  });
  const data = [...rows.values()].sort((a, b) => a.t! - b.t!);
  if (data.length === 0) return <div className="empty">no data in this run</div>;
  return (
    <LineChart width={width} height={height} data={data} margin={{ top: 4, right: 12, bottom: 0, left: 0 }}>
      <CartesianGrid stroke="#e5e7eb" />
      <XAxis
        dataKey="t"
        type="number"
        domain={["dataMin", "dataMax"]}
        tickFormatter={clock}
        fontSize={11}
        tickCount={5}
      />
      <YAxis fontSize={11} width={48} tickFormatter={(v: number) => formatValue(v, panel.unit)} />
      <Legend wrapperStyle={{ fontSize: 11 }} />
      {panel.series.map((series, index) => (
        <Line
          key={index}
          dataKey={`s${index}`}
          name={series.name}
          stroke={COLOURS[index % COLOURS.length]}
          dot={false}
          strokeWidth={1.5}
          isAnimationActive={false}
          connectNulls
        />
      ))}
    </LineChart>
  );
}

function Dashboard({ data }: { data: PictureData }) {
  const height = Math.max(...data.panels.map((p) => p.grid.y + p.grid.h)) * ROW;
  return (
    <main style={{ width: 24 * COLUMN, height: height + 40 }}>
      <header>
        {data.title} · {clock(data.start)}–{clock(data.end)} UTC · {data.caption}
      </header>
      {data.panels.map((panel) => {
        const width = panel.grid.w * COLUMN - 8;
        const boxHeight = panel.grid.h * ROW - 8;
        return (
          <section
            key={panel.title}
            style={{ left: panel.grid.x * COLUMN, top: 40 + panel.grid.y * ROW, width, height: boxHeight }}
          >
            <h2>{panel.title}</h2>
            {panel.type === "stat" ? (
              <Stat panel={panel} width={width - 8} height={boxHeight - 80} />
            ) : (
              <TimeSeries panel={panel} width={width - 8} height={boxHeight - 30} />
            )}
          </section>
        );
      })}
    </main>
  );
}

const data = (globalThis as unknown as { PICTURE_DATA: PictureData }).PICTURE_DATA;
createRoot(document.getElementById("root")!).render(<Dashboard data={data} />);
// Charts draw in effects after the first render; the page says when it is done.
setTimeout(() => document.body.setAttribute("data-ready", "1"), 300);
