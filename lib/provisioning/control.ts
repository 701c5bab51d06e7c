import { eq } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { provisioningControl } from "@/db/schema";
import type { Actor } from "@/db/schema/actor";

/** The one provisioning_control row: the engine-wide "provisioning paused" switch every worker process reads. */
const CONTROL_ROW = "engine";

export async function readProvisioningPaused(): Promise<boolean> {
  const [row] = await getDb()
    .select({ paused: provisioningControl.paused })
    .from(provisioningControl)
    .where(eq(provisioningControl.id, CONTROL_ROW));
  return row?.paused ?? false;
}

/** Only the row; setProvisioningPaused (engine.ts) also makes this process's gate see it at once. */
export async function writeProvisioningPaused(paused: boolean, actor: Actor): Promise<void> {
  await getDb()
    .insert(provisioningControl)
    .values({ id: CONTROL_ROW, paused, changedAt: new Date(), changedByEmail: actor?.email ?? null })
    .onConflictDoUpdate({
      target: provisioningControl.id,
      set: { paused, changedAt: new Date(), changedByEmail: actor?.email ?? null },
    });
}
