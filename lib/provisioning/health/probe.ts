import { lookupStatusWithGroupKeys } from "@/lib/dps";
import { dpsFailureCode } from "@/lib/dps/failure-code";
import { CONNECTION_PROBE_REGISTRATION_ID } from "@/lib/dps/connection-probe";
import { logger } from "@/lib/logger";
import type { Engine } from "../engine";
import type { GateState } from "../engine-gate";
import { isOutageFailure } from "../attempts/attempt";
import { claimProbe, closeCircuit, probeFailed, refuseKey } from "./circuit-store";

/** A probe's claim outlives its longest request, so two processes never probe at once. */
const PROBE_HOLD_MS = 20_000;

export type ProbeOutcome = "not-due" | "reachable" | "unreachable" | "key-refused";

/**
 * While the circuit is open, one process at a time (whoever claims the due probe) asks DPS for the
 * status of a registration that does not exist: cheap, not billed, and answered 404 by a DPS that
 * serves again and accepts the key. Success closes the circuit and wakes every worker; a refused
 * key turns into the key-refused state; anything else schedules the next probe further out.
 */
export async function probeIfDue(engine: Engine, gate: GateState): Promise<ProbeOutcome> {
  const credentials = gate.credentials;
  if (gate.dps !== "unreachable" || !credentials) return "not-due";
  // The database decides when a probe is due; this only saves a statement per loop turn before then.
  if (gate.circuit.nextProbeAt && gate.circuit.nextProbeAt.getTime() - Date.now() > 250) return "not-due";
  await engine.heartbeat.ensure("inline");
  if (!(await claimProbe(engine.pool, engine.heartbeat.id, PROBE_HOLD_MS))) return "not-due";
  const result = await lookupStatusWithGroupKeys(engine.probeClient, {
    connection: { idScope: credentials.idScope, host: credentials.host },
    registrationId: CONNECTION_PROBE_REGISTRATION_ID,
    groupKeys: { primary: credentials.primaryKey, secondary: credentials.secondaryKey ?? undefined },
  });
  const facts = {
    kind: result.kind,
    cause: "cause" in result ? result.cause : null,
    httpStatus: result.httpStatus,
    dpsErrorCode: result.dpsErrorCode,
  };
  let outcome: ProbeOutcome;
  if (result.kind === "unauthorized") {
    await refuseKey(engine.pool, credentials.version, {
      kind: dpsFailureCode(facts),
      message: result.message ?? "DPS refused the key.",
    });
    outcome = "key-refused";
  } else if (isOutageFailure(result)) {
    await probeFailed(
      engine.pool,
      engine.heartbeat.id,
      { kind: dpsFailureCode(facts), message: result.message ?? "" },
      engine.settings.probeMinMs,
      engine.settings.probeMaxMs,
    );
    outcome = "unreachable";
  } else {
    await closeCircuit(engine.pool, "open");
    outcome = "reachable";
  }
  engine.gate.invalidate();
  logger[outcome === "unreachable" ? "debug" : "info"](
    { outcome, answer: dpsFailureCode(facts) },
    "probed DPS",
  );
  return outcome;
}
