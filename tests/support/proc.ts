import { readdirSync, readFileSync } from "node:fs";

/**
 * Processes as Linux's /proc shows them, for the tests (what a stop left running) and the benchmarks
 * (CPU and memory of a process tree).
 */

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** A process as /proc/<pid>/stat shows it; the start time tells a live process from a later one that got its pid. */
export type ProcStat = {
  pid: number;
  ppid: number;
  state: string;
  startTime: string;
  /** user + system so far */
  cpuSeconds: number;
  command: string;
};

export function procStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = text.lastIndexOf(")");
    // The fields after the command (which may hold spaces and parentheses): state is the 3rd field
    // of the line, ppid the 4th, utime and stime the 14th and 15th, starttime the 22nd.
    const fields = text.slice(close + 2).split(" ");
    return {
      pid,
      ppid: Number(fields[1]),
      state: fields[0]!,
      startTime: fields[19]!,
      cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
      command: text.slice(text.indexOf("(") + 1, close),
    };
  } catch {
    return null;
  }
}

export function allProcesses(): ProcStat[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map((name) => procStat(Number(name)))
    .filter((p): p is ProcStat => p !== null);
}

/** Every process below `pid` (children, their children, …), in the order found. */
export function descendantsIn(pid: number, all: ProcStat[]): ProcStat[] {
  const found: ProcStat[] = [];
  const parents = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) {
      if (parents.has(p.ppid) && !parents.has(p.pid)) {
        parents.add(p.pid);
        found.push(p);
        grew = true;
      }
    }
  }
  return found;
}

/** The resident set size of a process, in MB: now (VmRSS) and its peak so far (VmHWM); zeros once it is gone. */
export function memoryMb(pid: number): { rss: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(status)?.[1] ?? 0);
    return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
  } catch {
    return { rss: 0, peak: 0 };
  }
}
