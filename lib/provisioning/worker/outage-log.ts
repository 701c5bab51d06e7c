import { logger } from "@/lib/logger";

/** One log line when an outage starts and one every `everyMs` while it lasts, instead of one per poll. */
export class OutageLog {
  private lastAt = 0;

  constructor(
    private readonly what: string,
    private readonly everyMs = 30_000,
  ) {}

  report(error: unknown): void {
    const now = Date.now();
    if (now - this.lastAt < this.everyMs) return;
    this.lastAt = now;
    logger.warn({ err: { message: (error as Error)?.message ?? String(error) } }, this.what);
  }
}
