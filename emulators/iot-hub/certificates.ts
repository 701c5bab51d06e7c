import { loadOrCreateLocalCertificates, type LocalCertificates } from "../tls/local-ca";

export const HUB_CA_FILE = "hub-ca.pem";
export const HUB_CA_KEY_FILE = "hub-ca-key.pem";

export type HubCertificates = LocalCertificates;

/**
 * Reuses `<dataDir>/hub-ca.pem` while it is constrained to exactly these hubs, or creates it (another
 * set of hubs needs another constraint: the CA is replaced rather than widened), and issues a fresh
 * server certificate for loopback and every hub host name. A copy of its key could not impersonate
 * any other host, Azure's other hubs included.
 */
export function loadOrCreateHubCertificates(
  dataDir: string,
  hubs: readonly string[],
): Promise<HubCertificates> {
  return loadOrCreateLocalCertificates({
    dataDir,
    caFileName: HUB_CA_FILE,
    keyFileName: HUB_CA_KEY_FILE,
    commonName: "Hyperscaler Integration Center IoT Hub emulator local CA",
    hostNames: hubs,
  });
}
