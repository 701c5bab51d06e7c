import { allProcesses, descendantsIn, procStat, type ProcStat } from "./proc";

/** A process as /proc shows it; the start time tells a live process from a later one that got its pid. */
export type ProcessRef = ProcStat;

/** Every process below `pid` (children, their children, …), read from /proc (Linux). */
export function descendantsOf(pid: number): ProcessRef[] {
  return descendantsIn(pid, allProcesses());
}

/** Those still running: the same process (pid and start time), not a zombie waiting to be reaped. */
export function stillRunning(processes: ProcessRef[]): ProcessRef[] {
  return processes.filter((p) => {
    const now = procStat(p.pid);
    return now !== null && now.startTime === p.startTime && now.state !== "Z" && now.state !== "X";
  });
}

export const describeProcesses = (processes: ProcessRef[]) =>
  processes.map((p) => `${p.pid} ${p.command}`).join(", ");
