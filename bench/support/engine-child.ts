/**
 * Engine calls made from a process of their own, with the scenario's database and the emulator's
 * CA in its environment (the engine keeps one pool and one DPS client per process).
 *   enqueue              queue every device without a hub, as connecting DPS does
 *   time-to-hub N PREFIX add N devices one after another the way the Add device action does; print timings
 */
import { closeDb } from "@/lib/database";
import { insertDevice } from "@/lib/devices/device-store";
import { enqueueProvisioning, provisionDeviceNow, shutdownProvisioning } from "@/lib/provisioning";
import { wireEngine } from "@/lib/engine-wiring";

async function main() {
  wireEngine();
  const [command, countText, prefix] = process.argv.slice(2);
  if (command === "enqueue") {
    const result = await enqueueProvisioning({ unassigned: true }, { trigger: "connect", actor: null });
    console.log(JSON.stringify(result));
  } else if (command === "time-to-hub") {
    const timings: number[] = [];
    for (let i = 0; i < Number(countText); i++) {
      const started = performance.now();
      // The server action's work after its permission check: insert, then provision inline.
      const device = await insertDevice(
        { registrationId: `${prefix}${i}`, name: undefined, payload: undefined },
        null,
      );
      const outcome = await provisionDeviceNow(device.id, { trigger: "add", actor: null });
      if (outcome.status !== "assigned")
        throw new Error(`device ${device.registrationId} ended ${JSON.stringify(outcome)}`);
      timings.push(performance.now() - started);
    }
    console.log(JSON.stringify({ timings }));
  } else {
    throw new Error(`unknown command ${command}`);
  }
  await shutdownProvisioning();
  await closeDb();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
