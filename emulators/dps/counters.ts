export type DeviceEndpoint = "register" | "operation" | "status" | "other";
/** The service API is counted as one endpoint: it is what the app's reconciliation and cleanup send. */
export type Endpoint = DeviceEndpoint | "service";

export type EndpointCounts = { total: number; byStatus: Record<string, number> };

export type CountersSnapshot = {
  total: number;
  byEndpoint: Record<Endpoint, EndpointCounts>;
  /** 429 answers of the quota limits, whichever limit caused them (injected ones are not counted here). */
  throttled: number;
  /** 429 answers injected by the `throttleRate` fault. */
  injectedThrottles: number;
  /** Connections destroyed by the reset fault; they have no HTTP status. */
  resets: number;
  /** Connections dropped while the `unreachable` outage was on. */
  outageDrops: number;
};

const ENDPOINTS: readonly Endpoint[] = ["register", "operation", "status", "other", "service"];

/** Device and service API traffic as tests and benchmarks need to see it: admin calls are not counted. */
export class RequestCounters {
  private byEndpoint = new Map<Endpoint, Map<number, number>>();
  private throttled = 0;
  private injectedThrottles = 0;
  private resets = 0;
  private outageDrops = 0;

  count(endpoint: Endpoint, status: number, injected = false): void {
    let statuses = this.byEndpoint.get(endpoint);
    if (statuses === undefined) {
      statuses = new Map();
      this.byEndpoint.set(endpoint, statuses);
    }
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (status === 429 && injected) this.injectedThrottles += 1;
    else if (status === 429) this.throttled += 1;
  }

  countReset(): void {
    this.resets += 1;
  }

  countOutageDrop(): void {
    this.outageDrops += 1;
  }

  reset(): void {
    this.byEndpoint.clear();
    this.throttled = 0;
    this.injectedThrottles = 0;
    this.resets = 0;
    this.outageDrops = 0;
  }

  snapshot(): CountersSnapshot {
    let total = 0;
    const byEndpoint = {} as Record<Endpoint, EndpointCounts>;
    for (const endpoint of ENDPOINTS) {
      const counts: EndpointCounts = { total: 0, byStatus: {} };
      for (const [status, count] of this.byEndpoint.get(endpoint) ?? []) {
        counts.byStatus[String(status)] = count;
        counts.total += count;
      }
      total += counts.total;
      byEndpoint[endpoint] = counts;
    }
    return {
      total,
      byEndpoint,
      throttled: this.throttled,
      injectedThrottles: this.injectedThrottles,
      resets: this.resets,
      outageDrops: this.outageDrops,
    };
  }
}
