import { readdirSync, readFileSync } from "node:fs";
import { allProcesses, descendantsIn, memoryMb, procStat } from "@/tests/support/proc";

function treeOf(pid: number, all = allProcesses()): Set<number> {
  return new Set([pid, ...descendantsIn(pid, all).map((p) => p.pid)]);
}

/** CPU seconds (user + system) used so far by `pid` and every process below it. */
export function treeCpuSeconds(pid: number): number {
  const all = allProcesses();
  const inTree = treeOf(pid, all);
  return all.filter((p) => inTree.has(p.pid)).reduce((sum, p) => sum + p.cpuSeconds, 0);
}

/** Resident memory now (MB) of `pid` and every process below it. */
export function treeRssMegabytes(pid: number): number {
  let megabytes = 0;
  for (const member of treeOf(pid)) megabytes += memoryMb(member).rss; // zero for one gone meanwhile
  return megabytes;
}

/** CPU seconds of the PostgreSQL backends serving `database` now (a backend's command line names its database). */
export function backendCpuSeconds(database: string): number {
  let total = 0;
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8");
      if (cmdline.startsWith("postgres: ") && cmdline.includes(` ${database} `))
        total += procStat(Number(name))?.cpuSeconds ?? 0;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** The machine's load average, to print with every figure (the machine is shared). */
export function loadAverage(): string {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    return "?";
  }
}
