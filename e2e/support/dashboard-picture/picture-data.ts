/** What ./render.ts hands the page that draws the dashboard picture (./panels.tsx). */
export type SeriesData = { name: string; points: [number, number][] };

export type PanelData = {
  title: string;
  type: "stat" | "timeseries";
  grid: { x: number; y: number; w: number; h: number };
  unit?: string;
  /** A stat panel's value mappings (value → text), as the dashboard defines them. */
  mappings?: Record<string, string>;
  series: SeriesData[];
};

export type PictureData = { title: string; caption: string; start: number; end: number; panels: PanelData[] };
