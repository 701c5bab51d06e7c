import type { TestServer } from "@/lib/postgres/test-database";
import type { BenchResult } from "../support/result";

export type ScenarioContext = { server: TestServer; quick: boolean; workDir: string; log: (line: string) => void };

/** Provisioning scenarios (quota adherence, throughput against the SDK, time to hub) by name. */
export const SCENARIO_RUNNERS: Record<string, (context: ScenarioContext) => Promise<BenchResult[]>> = {};
