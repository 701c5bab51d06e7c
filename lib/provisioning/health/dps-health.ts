import type { GateState } from "../engine-gate";
import type { DpsHealth } from "../types";

/** What pages show of the circuit: the state, since when, and when the next probe is due. */
export function dpsHealthOf(gate: Pick<GateState, "dps" | "circuit">): DpsHealth {
  const { circuit } = gate;
  const since = (circuit.since ?? new Date()).toISOString();
  if (gate.dps === "unreachable")
    return {
      state: "unreachable",
      since,
      nextCheckAt: circuit.nextProbeAt?.toISOString() ?? null,
      lastError: circuit.lastErrorKind,
    };
  if (gate.dps === "key-refused") return { state: "key-refused", since, lastError: circuit.lastErrorKind };
  return { state: "available" };
}
