import { readdirSync, readFileSync } from "node:fs";

/** A process as /proc shows it; the start time tells a live process from a later one that got its pid. */
export type ProcessRef = { pid: number; ppid: number; state: string; startTime: string; command: string };

function stat(pid: number): ProcessRef | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = text.lastIndexOf(")");
    const fields = text.slice(close + 2).split(" ");
    return {
      pid,
      ppid: Number(fields[1]),
      state: fields[0]!,
      startTime: fields[19]!,
      command: text.slice(text.indexOf("(") + 1, close),
    };
  } catch {
    return null;
  }
}

/** Every process below `pid` (children, their children, …), read from /proc (Linux). */
export function descendantsOf(pid: number): ProcessRef[] {
  const all = readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map((name) => stat(Number(name)))
    .filter((p): p is ProcessRef => p !== null);
  const found: ProcessRef[] = [];
  const parents = new Set([pid]);
  let grew = true;
  while (grew) {
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

/** Those still running: the same process (pid and start time), not a zombie waiting to be reaped. */
export function stillRunning(processes: ProcessRef[]): ProcessRef[] {
  return processes.filter((p) => {
    const now = stat(p.pid);
    return now !== null && now.startTime === p.startTime && now.state !== "Z" && now.state !== "X";
  });
}

export const describeProcesses = (processes: ProcessRef[]) =>
  processes.map((p) => `${p.pid} ${p.command}`).join(", ");
