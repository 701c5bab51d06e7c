import { env } from "@/lib/env";

/** How long a client refused for a busy queue is asked to wait (the `Retry-After` of a 503). */
export const BUSY_RETRY_AFTER_SECONDS = 5;

/**
 * Thrown when so many password checks are already waiting that one more would only add latency.
 * A refusal the user can act on (try again shortly), so actions show its message, not a server error.
 */
export class PasswordCheckBusyError extends Error {
  constructor() {
    super("The server is busy checking other passwords. Try again in a few seconds.");
  }
}

const MAX_WAITING = 200;

type Gate = { running: number; waiting: (() => void)[] };
const globalForGate = globalThis as unknown as { hicArgon2Gate?: Gate; hicArgon2Evaluations?: number };

function gate(): Gate {
  return (globalForGate.hicArgon2Gate ??= { running: 0, waiting: [] });
}

/**
 * Runs one Argon2 computation once fewer than HIC_ARGON2_CONCURRENCY are running (default: one
 * less than the cores), so a flood of sign-ins queues here instead of taking every core the web
 * server and the database need. A queue longer than MAX_WAITING is refused outright.
 */
export async function withArgon2Slot<T>(work: () => Promise<T>): Promise<T> {
  const g = gate();
  const limit = env().HIC_ARGON2_CONCURRENCY;
  if (g.running >= limit) {
    if (g.waiting.length >= MAX_WAITING) throw new PasswordCheckBusyError();
    await new Promise<void>((resolve) => g.waiting.push(resolve));
  } else {
    g.running++;
  }
  globalForGate.hicArgon2Evaluations = (globalForGate.hicArgon2Evaluations ?? 0) + 1;
  try {
    return await work();
  } finally {
    // Hand the slot straight to the next in line, or free it.
    const next = g.waiting.shift();
    if (next) next();
    else g.running--;
  }
}

/** How many Argon2 computations this process has run (for tests and diagnostics). */
export function argon2Evaluations(): number {
  return globalForGate.hicArgon2Evaluations ?? 0;
}
