import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

type Stat = { pid: number; ppid: number; cpuSeconds: number; command: string };

function stat(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = text.lastIndexOf(")");
    const fields = text.slice(close + 2).split(" ");
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command.
    return {
      pid,
      ppid: Number(fields[1]),
      cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
      command: text.slice(text.indexOf("(") + 1, close),
    };
  } catch {
    return null;
  }
}

function allProcesses(): Stat[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map((name) => stat(Number(name)))
    .filter((p): p is Stat => p !== null);
}

function treeOf(pid: number, all: Stat[]): Set<number> {
  const inTree = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) {
      if (inTree.has(p.ppid) && !inTree.has(p.pid)) {
        inTree.add(p.pid);
        grew = true;
      }
    }
  }
  return inTree;
}

/** CPU seconds (user + system) used so far by `pid` and every process below it. */
export function treeCpuSeconds(pid: number): number {
  const all = allProcesses();
  const inTree = treeOf(pid, all);
  return all.filter((p) => inTree.has(p.pid)).reduce((sum, p) => sum + p.cpuSeconds, 0);
}

/** Resident memory now (MB) of `pid` and every process below it. */
export function treeRssMegabytes(pid: number): number {
  let kilobytes = 0;
  for (const member of treeOf(pid, allProcesses())) {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${member}/status`, "utf8"));
      kilobytes += Number(match?.[1] ?? 0);
    } catch {
      // gone meanwhile
    }
  }
  return kilobytes / 1024;
}

/** CPU seconds of the PostgreSQL backends serving `database` now (a backend's command line names its database). */
export function backendCpuSeconds(database: string): number {
  let total = 0;
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8");
      if (cmdline.startsWith("postgres: ") && cmdline.includes(` ${database} `))
        total += stat(Number(name))?.cpuSeconds ?? 0;
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
