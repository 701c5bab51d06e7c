import { loadOrCreateLocalCertificates, type LocalCertificates } from "../tls/local-ca";

export const CA_FILE = "ca.pem";
export const CA_KEY_FILE = "ca-key.pem";

export type EmulatorCertificates = LocalCertificates;

/**
 * Reuses `<dataDir>/ca.pem` (so clients trust the emulator across restarts) or creates it, and issues
 * a fresh server certificate for localhost, 127.0.0.1 and ::1. The CA may vouch for loopback only.
 */
export function loadOrCreateCertificates(dataDir: string): Promise<EmulatorCertificates> {
  return loadOrCreateLocalCertificates({
    dataDir,
    caFileName: CA_FILE,
    keyFileName: CA_KEY_FILE,
    commonName: "Hyperscaler Integration Center DPS emulator local CA",
    hostNames: [],
  });
}
