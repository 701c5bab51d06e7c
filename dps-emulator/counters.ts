export type DeviceEndpoint = "register" | "operation" | "status" | "other";

export type EndpointCounts = { total: number; byStatus: Record<string, number> };

export type CountersSnapshot = {
  total: number;
  byEndpoint: Record<DeviceEndpoint, EndpointCounts>;
  /** 429 answers, whichever limit caused them. */
  throttled: number;
  /** Connections destroyed by the reset fault; they have no HTTP status. */
  resets: number;
};

const ENDPOINTS: readonly DeviceEndpoint[] = ["register", "operation", "status", "other"];

/** Device API traffic as tests and benchmarks need to see it: admin calls are not counted. */
export class RequestCounters {
  private byEndpoint = new Map<DeviceEndpoint, Map<number, number>>();
  private throttled = 0;
  private resets = 0;

  count(endpoint: DeviceEndpoint, status: number): void {
    let statuses = this.byEndpoint.get(endpoint);
    if (statuses === undefined) {
      statuses = new Map();
      this.byEndpoint.set(endpoint, statuses);
    }
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (status === 429) this.throttled += 1;
  }

  countReset(): void {
    this.resets += 1;
  }

  reset(): void {
    this.byEndpoint.clear();
    this.throttled = 0;
    this.resets = 0;
  }

  snapshot(): CountersSnapshot {
    let total = 0;
    const byEndpoint = {} as Record<DeviceEndpoint, EndpointCounts>;
    for (const endpoint of ENDPOINTS) {
      const counts: EndpointCounts = { total: 0, byStatus: {} };
      for (const [status, count] of this.byEndpoint.get(endpoint) ?? []) {
        counts.byStatus[String(status)] = count;
        counts.total += count;
      }
      total += counts.total;
      byEndpoint[endpoint] = counts;
    }
    return { total, byEndpoint, throttled: this.throttled, resets: this.resets };
  }
}
