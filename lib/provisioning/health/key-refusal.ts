import { getEngine } from "../engine";
import { closeCircuit } from "./circuit-store";

/**
 * A connection test of the stored key succeeded (the key was fixed in Azure, or a rotation was
 * undone): the refusal is over and waiting devices are provisioned without anyone pressing Retry.
 * Saving a new key needs no call: the refusal names the keys' version, which the save changes.
 */
export async function resumeAfterKeyAccepted(): Promise<boolean> {
  const engine = getEngine();
  const resumed = await closeCircuit(engine.pool, "key-refused");
  engine.gate.invalidate();
  return resumed;
}
