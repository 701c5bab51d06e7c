import "server-only";
import { revalidatePath } from "next/cache";

/**
 * Runs one device's removal (first try or retry) and refreshes the pages it changes. Not removed
 * (marked "removal incomplete"): its page shows why. Once removed, that page is gone and the
 * browser leaves it, so only the list is revalidated then.
 */
export async function removeAndRevalidate(
  deviceId: number,
  remove: () => Promise<{ notice: string }>,
): Promise<{ ok: true; message: string }> {
  try {
    const removed = await remove();
    revalidatePath("/devices");
    return { ok: true, message: removed.notice };
  } catch (error) {
    revalidatePath("/devices");
    revalidatePath(`/devices/${deviceId}`);
    throw error;
  }
}
