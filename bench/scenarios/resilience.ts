import type { BenchResult } from "../support/result";
import type { ScenarioContext } from "./provisioning";
import { tenUnits } from "./scale";
import { soak } from "./soak";
import { recovery } from "./recovery";
import { hubCheck } from "./hub-check";

/** Scale and resilience scenarios, by name for `--only`: each runs the built web server. */
export const RESILIENCE_RUNNERS: Record<string, (context: ScenarioContext) => Promise<BenchResult[]>> = {
  "ten-units": tenUnits,
  soak,
  recovery,
  "hub-check": hubCheck,
};
