import os from "node:os";
import type pg from "pg";
import { encodeCursor } from "@/lib/devices/list-devices";
import { DEVICE_SORTS, type DeviceSort } from "@/lib/validation/device";
import { percentile, round } from "../support/stats";
import type { BenchResult } from "../support/result";

/**
 * Searches sampled at the largest size: prefixes of registration IDs (`dev-00000001` …) and of
 * names (`Meter 1` …), short and long, matching everything, a tenth, a hundredth, a handful, one
 * or nothing (counts at 1,000,000 in the comments), in every order, on the first page and a page
 * deep in the order through the cursor, forward and back; the longer prefixes also with status
 * and hub filters.
 */
const REGISTRATION_ID_PREFIXES = [
  "d", // 1,000,000
  "dev-0", // 1,000,000
  "DEV-00", // 999,999, upper case
  "dev-001", // 100,000 (dev-00100000 … dev-00199999)
  "dev-0077", // 10,000
  "dev-00123", // 1,000
  "dev-0099999", // 10
  "dev-00999999", // 1
  "dev-01", // 1 (dev-01000000)
  "dev-1", // 0
];
const NAME_PREFIXES = [
  "m", // 1,000,000
  "Meter", // 1,000,000
  "meter 1", // 111,112 (Meter 1, Meter 10 … 19, …, Meter 1000000)
  "meter 5", // 111,111
  "meter 77", // 11,111
  "meter 123", // 1,111
  "Meter 99999", // 11
  "meter 1000000", // 1
  "meter 0", // 0
];
const FILTERED_PREFIXES = ["dev-0", "dev-001", "dev-0077", "meter 1", "meter 123"];

type Position = "first page" | "deep page, forward" | "deep page, back";

export type SampledSearch = {
  path: string;
  q: string;
  sort: DeviceSort;
  filter: Record<string, string>;
  position: Position;
};

/**
 * The device a deep page starts from: 90 % of the way through each order. Registration IDs and
 * update times both follow the device number (newest = lowest number), so that is device
 * 0.9 N or 0.1 N.
 */
async function deepCursors(client: pg.Client, size: number): Promise<Record<DeviceSort, string>> {
  const at = async (n: number, byUpdate: boolean) => {
    const { rows } = await client.query<{ id: string; reg: string; upd: string }>(
      "select id, lower(registration_id) as reg, updated_at::text as upd from devices where registration_id = $1",
      [`dev-${String(n).padStart(8, "0")}`],
    );
    const row = rows[0]!;
    return encodeCursor([byUpdate ? row.upd : row.reg, Number(row.id)]);
  };
  return {
    registrationId: await at(Math.floor(size * 0.9), false),
    "-registrationId": await at(Math.floor(size * 0.1), false),
    "-updated": await at(Math.floor(size * 0.9), true),
    updated: await at(Math.floor(size * 0.1), true),
  };
}

export async function sampledSearches(
  client: pg.Client,
  size: number,
  hubs: string[],
  quick: boolean,
): Promise<SampledSearch[]> {
  const cursors = await deepCursors(client, size);
  const searches: SampledSearch[] = [];
  const add = (q: string, filter: Record<string, string>, positions: Position[]) => {
    for (const sort of DEVICE_SORTS) {
      for (const position of positions) {
        const params = new URLSearchParams({ q, ...filter });
        if (sort !== "registrationId") params.set("sort", sort);
        if (position === "deep page, forward") params.set("after", cursors[sort]);
        if (position === "deep page, back") params.set("before", cursors[sort]);
        searches.push({ path: `/devices?${params}`, q, sort, filter, position });
      }
    }
  };
  const unfiltered: Position[] = quick
    ? ["first page", "deep page, forward"]
    : ["first page", "deep page, forward", "deep page, back"];
  for (const q of [...REGISTRATION_ID_PREFIXES, ...NAME_PREFIXES]) add(q, {}, unfiltered);
  if (!quick) {
    const filters: Record<string, string>[] = [
      { status: "failed" },
      { hub: hubs[0]! },
      { hub: "(none)" },
      { status: "assigned", hub: hubs[1]! },
    ];
    for (const filter of filters)
      for (const q of FILTERED_PREFIXES) add(q, filter, ["first page", "deep page, forward"]);
  }
  return shuffled(searches);
}

/** A fixed shuffle, so that a neighbour's burst of load lands on a mix of searches, not on one kind. */
function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  let seed = 11;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

type Timed = SampledSearch & { p50: number; p95: number; load: number };

/**
 * Every sampled search with a few samples, then the slowest (by p95, and by p50, which a burst
 * of load on a shared machine moves less) again with as many samples as the fixed views get.
 */
export async function measureSearches(options: {
  searches: SampledSearch[];
  size: number;
  time: (path: string) => Promise<number>;
  samples: number;
  rerun: { count: number; warmup: number; samples: number };
  log: (line: string) => void;
}): Promise<BenchResult> {
  const { searches, time, samples, rerun } = options;
  const measure = async (search: SampledSearch, warmup: number, count: number): Promise<Timed> => {
    for (let i = 0; i < warmup; i++) await time(search.path);
    const values: number[] = [];
    for (let i = 0; i < count; i++) values.push(await time(search.path));
    return {
      ...search,
      p50: round(percentile(values, 50)),
      p95: round(percentile(values, 95)),
      load: round(os.loadavg()[0]!, 2),
    };
  };
  const loadBefore = os.loadavg()[0]!;
  const started = Date.now();
  const screened: Timed[] = [];
  for (const search of searches) screened.push(await measure(search, 2, samples));
  screened.sort((a, b) => b.p95 - a.p95);
  options.log(
    `devices page: ${searches.length} searches sampled in ${Math.round((Date.now() - started) / 1000)} s; slowest p95 ${screened[0]!.p95} ms (${screened[0]!.path})`,
  );
  const slowest = new Set([
    ...screened.slice(0, rerun.count),
    ...[...screened].sort((a, b) => b.p50 - a.p50).slice(0, rerun.count),
  ]);
  const rerunResults: Timed[] = [];
  for (const search of slowest) rerunResults.push(await measure(search, rerun.warmup, rerun.samples));
  rerunResults.sort((a, b) => b.p95 - a.p95);
  const loadAfter = os.loadavg()[0]!;
  const worst = screened[0]!;
  const worstRerun = rerunResults[0]!;
  const p95s = screened.map((s) => s.p95);
  return {
    scenario: "devices page: sampled searches",
    setup:
      `${options.size.toLocaleString("en")} devices, signed-in support user over HTTP; ${searches.length} searches (registration-ID and name prefixes matching ` +
      `0 to all devices, each order, first page and 90 % deep via the cursor forward and back, some with status / hub filters), ` +
      `${samples} samples each after 2 warm-up; the ${rerun.count} slowest by p95 and by p50 again with ${rerun.samples} samples after ${rerun.warmup} warm-up (ms)`,
    metrics: {
      searches: searches.length,
      "screening: median p95": round(percentile(p95s, 50)),
      "screening: worst p95": worst.p95,
      "screening: worst search": `${worst.path} (${worst.position})`,
      "re-run: worst p95": worstRerun.p95,
      "re-run: its p50": worstRerun.p50,
      "re-run: worst search": `${worstRerun.path} (${worstRerun.position})`,
      "load average at start": round(loadBefore, 2),
      "load average at end": round(loadAfter, 2),
    },
    target: `worst p95 of the re-run <= 150 ms${options.size >= 1_000_000 ? "" : " (checked at 1,000,000 in the full run)"}`,
    met: worstRerun.p95 <= 150,
    notes:
      "The screening p95 is the second slowest of 20 samples, so one burst of a neighbour's load decides it; the re-run takes the views' 40 samples.",
    details: {
      searches: screened.map(({ path, position, p50, p95, load }) => ({ path, position, p50, p95, load })),
      rerun: rerunResults.map(({ path, position, p50, p95, load }) => ({ path, position, p50, p95, load })),
    },
  };
}
