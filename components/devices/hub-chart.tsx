"use client";

import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

// The hub's own name (its first host label) keeps the axis narrow enough for a phone; the tooltip has the full host.
const shortHub = (hub: string) => hub.split(".")[0] ?? hub;

/**
 * Devices per IoT hub. The chart is a picture for sighted users (hidden from assistive technology,
 * and with recharts' keyboard layer off so nothing inside it takes focus); the page lists the same
 * figures for screen readers.
 */
export function HubChart({ data }: { data: { hub: string; count: number }[] }) {
  if (data.length === 0)
    return <p className="py-8 text-center text-sm text-muted-foreground">No device has a hub yet.</p>;
  return (
    <div className="h-48 w-full" aria-hidden>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart
          data={data}
          layout="vertical"
          accessibilityLayer={false}
          margin={{ left: 4, right: 16, top: 4, bottom: 4 }}
        >
          <CartesianGrid strokeDasharray="3 3" horizontal={false} />
          <XAxis type="number" allowDecimals={false} tick={{ fontSize: 11, fill: "#475569" }} />
          <YAxis
            type="category"
            dataKey="hub"
            width={128}
            tickFormatter={shortHub}
            tick={{ fontSize: 11, fill: "#475569" }}
          />
          <Tooltip formatter={(value) => [Number(value).toLocaleString("en"), "Devices"]} />
          <Bar dataKey="count" fill="#1d4ed8" radius={[0, 4, 4, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
