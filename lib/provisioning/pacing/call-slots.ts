/**
 * At most `size` DPS calls in flight in this process. Attempts claim their device and book their
 * rate-limiter slot before they queue here, so a freed call slot is taken by an attempt that is
 * ready to send, and recording a result happens after the slot is given back.
 */
export class CallSlots {
  private inUse = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private size: number) {}

  get busy(): number {
    return this.inUse;
  }

  get capacity(): number {
    return this.size;
  }

  /** Auto concurrency follows the quota and the number of workers; a smaller size lets calls in flight finish. */
  resize(size: number): void {
    this.size = Math.max(1, size);
    while (this.inUse < this.size && this.waiting.length > 0) this.waiting.shift()?.();
  }

  /** Resolves true with a slot, or false if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (this.inUse < this.size) {
      this.inUse += 1;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const grant = () => {
        signal?.removeEventListener("abort", abort);
        this.inUse += 1;
        resolve(true);
      };
      const abort = () => {
        const index = this.waiting.indexOf(grant);
        if (index >= 0) this.waiting.splice(index, 1);
        resolve(false);
      };
      this.waiting.push(grant);
      signal?.addEventListener("abort", abort, { once: true });
    });
  }

  release(): void {
    this.inUse -= 1;
    this.waiting.shift()?.();
  }
}
