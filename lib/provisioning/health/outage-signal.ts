import { setMaxListeners } from "node:events";

/**
 * Aborted while this process knows the circuit is open. DPS calls in flight get it as their
 * `stopRetrying` signal: a call waiting to retry a failed request gives up at once and its attempt
 * is handed back, so nothing lingers in per-call backoff when DPS returns; calls merely waiting
 * to poll an operation DPS accepted are left alone.
 */
export class OutageSignal {
  private controller = OutageSignal.fresh();

  private static fresh(): AbortController {
    const controller = new AbortController();
    // Every call in flight listens while it waits to retry.
    setMaxListeners(0, controller.signal);
    return controller;
  }

  current(): AbortSignal {
    return this.controller.signal;
  }

  trip(): void {
    this.controller.abort();
  }

  clear(): void {
    if (this.controller.signal.aborted) this.controller = OutageSignal.fresh();
  }
}
