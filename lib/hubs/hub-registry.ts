import "server-only";
import { hubRegistryClient, type HubRegistryClient } from "@/lib/iot-hub/service";

/** The registry client the hub DALs use; a seam so tests can point it at their own local IoT Hub. */
export function registryClientForHubs(): HubRegistryClient {
  return hubRegistryClient();
}
