import type { Quotas } from "./config";

/**
 * Counts admitted events over a true sliding window (a ring of the last `limit` admission times),
 * so a client pacing at exactly the quota is never refused, which fixed minute buckets would do.
 * The 1 % grace absorbs network jitter between a paced client's sends and our receipt times.
 */
export class SlidingWindowLimiter {
  private times: number[] = [];
  private head = 0;
  private readonly effectiveWindowMs: number;

  constructor(
    private limit: number,
    private readonly windowMs: number,
  ) {
    this.effectiveWindowMs = windowMs - windowMs / 100;
  }

  /** Milliseconds until one more event would be admitted; 0 when it would be admitted now. */
  waitMs(now: number): number {
    if (this.times.length < this.limit) return 0;
    const oldest = this.times[this.head] ?? 0;
    return Math.max(0, oldest + this.effectiveWindowMs - now);
  }

  record(now: number): void {
    if (this.times.length < this.limit) {
      this.times.push(now);
      return;
    }
    this.times[this.head] = now;
    this.head = (this.head + 1) % this.limit;
  }

  newest(): number {
    if (this.times.length === 0) return Number.NEGATIVE_INFINITY;
    return this.times[(this.head + this.times.length - 1) % this.times.length] ?? Number.NEGATIVE_INFINITY;
  }

  isIdle(now: number): boolean {
    return this.newest() <= now - this.windowMs;
  }

  /** Keeps the most recent admissions when an admin changes the quota at runtime. */
  resize(limit: number): void {
    const ordered = [...this.times.slice(this.head), ...this.times.slice(0, this.head)];
    this.times = ordered.slice(Math.max(0, ordered.length - limit));
    this.head = 0;
    this.limit = limit;
  }
}

/** Service API calls count against the operations quota only (docs/dps-protocol.md §8.5). */
export type QuotaEndpoint = "register" | "operation" | "status" | "service";

export type QuotaDecision =
  { admitted: true } | { admitted: false; retryAfterSeconds: number; limit: keyof Quotas };

const MINUTE_MS = 60_000;
const POLL_WINDOW_MS = 10_000;

function isLimited(value: number | null): value is number {
  return value !== null && value > 0;
}

/** The three DPS limits, each counted on its own; a refused call consumes none of them. */
export class QuotaGate {
  private registrations: SlidingWindowLimiter | null = null;
  private operations: SlidingWindowLimiter | null = null;
  private readonly pollsByDevice = new Map<string, SlidingWindowLimiter>();
  private nextSweepAt = 0;

  constructor(private quotas: Quotas) {
    this.setQuotas(quotas);
  }

  setQuotas(quotas: Quotas): void {
    this.quotas = quotas;
    this.registrations = this.adjust(this.registrations, quotas.registrationsPerMinute, MINUTE_MS);
    this.operations = this.adjust(this.operations, quotas.operationsPerMinute, MINUTE_MS);
    const polls = quotas.pollsPer10sPerDevice;
    if (!isLimited(polls)) this.pollsByDevice.clear();
    else for (const limiter of this.pollsByDevice.values()) limiter.resize(polls);
  }

  reset(): void {
    this.registrations = null;
    this.operations = null;
    this.pollsByDevice.clear();
    this.setQuotas(this.quotas);
  }

  admit(endpoint: QuotaEndpoint, deviceKey: string, now: number): QuotaDecision {
    const pollLimit = this.quotas.pollsPer10sPerDevice;
    let devicePolls: SlidingWindowLimiter | undefined;
    if (endpoint === "operation" && isLimited(pollLimit)) {
      this.sweepIdleDevices(now);
      devicePolls = this.pollsByDevice.get(deviceKey);
      if (devicePolls === undefined) {
        devicePolls = new SlidingWindowLimiter(pollLimit, POLL_WINDOW_MS);
        this.pollsByDevice.set(deviceKey, devicePolls);
      }
    }
    const registrations = endpoint === "register" ? this.registrations : null;
    const checks: [keyof Quotas, SlidingWindowLimiter | null | undefined][] = [
      ["registrationsPerMinute", registrations],
      ["operationsPerMinute", this.operations],
      ["pollsPer10sPerDevice", devicePolls],
    ];
    let longestWait = 0;
    let limit: keyof Quotas = "operationsPerMinute";
    for (const [name, limiter] of checks) {
      const wait = limiter?.waitMs(now) ?? 0;
      if (wait > longestWait) {
        longestWait = wait;
        limit = name;
      }
    }
    if (longestWait > 0)
      return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil(longestWait / 1000)), limit };
    registrations?.record(now);
    this.operations?.record(now);
    devicePolls?.record(now);
    return { admitted: true };
  }

  private adjust(
    current: SlidingWindowLimiter | null,
    limit: number | null,
    windowMs: number,
  ): SlidingWindowLimiter | null {
    if (!isLimited(limit)) return null;
    if (current === null) return new SlidingWindowLimiter(limit, windowMs);
    current.resize(limit);
    return current;
  }

  /** Forgets devices that stopped polling, so a long benchmark does not grow the map without bound. */
  private sweepIdleDevices(now: number): void {
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + POLL_WINDOW_MS;
    for (const [key, limiter] of this.pollsByDevice) {
      if (limiter.isIdle(now)) this.pollsByDevice.delete(key);
    }
  }
}
