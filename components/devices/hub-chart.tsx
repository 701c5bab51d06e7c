"use client";

import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

/** Devices per IoT hub. The same figures are listed beside the chart for screen readers. */
export function HubChart({ data }: { data: { hub: string; count: number }[] }) {
  if (data.length === 0) return <p className="py-8 text-center text-sm text-slate-500">No device has a hub yet.</p>;
  return (
    <div className="h-48 w-full" aria-hidden>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout="vertical" margin={{ left: 8, right: 16, top: 4, bottom: 4 }}>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} />
          <XAxis type="number" allowDecimals={false} tick={{ fontSize: 11 }} />
          <YAxis type="category" dataKey="hub" width={220} tick={{ fontSize: 11 }} />
          <Tooltip formatter={(value) => [Number(value).toLocaleString("en"), "Devices"]} />
          <Bar dataKey="count" fill="#1d4ed8" radius={[0, 4, 4, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
