import { randomBytes, webcrypto } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata API.
import "reflect-metadata";

import * as x509 from "@peculiar/x509";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  GeneralName,
  GeneralSubtree,
  GeneralSubtrees,
  id_ce_nameConstraints,
  NameConstraints,
} from "@peculiar/asn1-x509";

const crypto = webcrypto as Crypto;
const EC_KEY = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGNING = { name: "ECDSA", hash: "SHA-256" } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
const CA_LIFETIME_DAYS = 3650;
const SERVER_LIFETIME_DAYS = 365;
const CA_RENEWAL_MARGIN_DAYS = 30;

export const HUB_CA_FILE = "hub-ca.pem";
export const HUB_CA_KEY_FILE = "hub-ca-key.pem";

export type HubCertificates = {
  caFile: string;
  caPem: string;
  serverCertificatePem: string;
  serverKeyPem: string;
  createdCa: boolean;
};

type CertificateAuthority = { certificate: x509.X509Certificate; privateKey: CryptoKey };

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString("hex");
}

/**
 * The hub CA may vouch only for loopback and for the emulated hubs' exact host names (a dNSName
 * constraint also admits that name's subdomains, which no hub has): a copy of its key could not
 * impersonate any other host, Azure's other hubs included. Critical, so a client that cannot check
 * it refuses the CA outright.
 */
export function hubNameConstraints(hubs: readonly string[]): x509.Extension {
  const names = [...new Set(hubs.map((hub) => hub.toLowerCase()))].sort();
  const permitted = new GeneralSubtrees([
    new GeneralSubtree({ base: new GeneralName({ dNSName: "localhost" }) }),
    ...names.map((name) => new GeneralSubtree({ base: new GeneralName({ dNSName: name }) })),
    new GeneralSubtree({ base: new GeneralName({ iPAddress: "127.0.0.0/8" }) }),
    new GeneralSubtree({ base: new GeneralName({ iPAddress: "::1/128" }) }),
  ]);
  return new x509.Extension(
    id_ce_nameConstraints,
    true,
    AsnConvert.serialize(new NameConstraints({ permittedSubtrees: permitted })),
  );
}

function constrainedTo(certificate: x509.X509Certificate, hubs: readonly string[]): boolean {
  const extension = certificate.extensions.find((e) => e.type === id_ce_nameConstraints);
  return (
    Boolean(extension?.critical) &&
    Buffer.from(extension!.value).equals(Buffer.from(hubNameConstraints(hubs).value))
  );
}

async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

async function createCertificateAuthority(hubs: readonly string[]): Promise<CertificateAuthority> {
  const keys = (await crypto.subtle.generateKey(EC_KEY, true, ["sign", "verify"])) as CryptoKeyPair;
  const notBefore = new Date(Date.now() - DAY_MS);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serialNumber(),
      name: "CN=Hyperscaler Integration Center IoT Hub emulator local CA",
      notBefore,
      notAfter: new Date(notBefore.getTime() + CA_LIFETIME_DAYS * DAY_MS),
      keys,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
        hubNameConstraints(hubs),
      ],
    },
    crypto,
  );
  return { certificate, privateKey: keys.privateKey };
}

async function loadCertificateAuthority(
  caPath: string,
  keyPath: string,
  hubs: readonly string[],
): Promise<CertificateAuthority | null> {
  try {
    const [caPem, keyPem] = await Promise.all([readFile(caPath, "utf8"), readFile(keyPath, "utf8")]);
    const certificate = new x509.X509Certificate(caPem);
    if (certificate.notAfter.getTime() - Date.now() < CA_RENEWAL_MARGIN_DAYS * DAY_MS) return null;
    // Another set of hubs needs another constraint: the CA is replaced rather than widened.
    if (!constrainedTo(certificate, hubs)) return null;
    const der = x509.PemConverter.decodeFirst(keyPem);
    const privateKey = await crypto.subtle.importKey("pkcs8", der, EC_KEY, false, ["sign"]);
    const probe = randomBytes(32);
    const signature = await crypto.subtle.sign(SIGNING, privateKey, probe);
    const publicKey = await certificate.publicKey.export(EC_KEY, ["verify"], crypto);
    if (!(await crypto.subtle.verify(SIGNING, publicKey, signature, probe))) return null;
    return { certificate, privateKey };
  } catch {
    return null;
  }
}

async function createServerCertificate(
  ca: CertificateAuthority,
  hubs: readonly string[],
): Promise<{ certificatePem: string; keyPem: string }> {
  const keys = (await crypto.subtle.generateKey(EC_KEY, true, ["sign", "verify"])) as CryptoKeyPair;
  const notBefore = new Date(Date.now() - DAY_MS);
  const caKeyId = ca.certificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject: "CN=localhost",
      issuer: ca.certificate.subject,
      notBefore,
      notAfter: new Date(notBefore.getTime() + SERVER_LIFETIME_DAYS * DAY_MS),
      publicKey: keys.publicKey,
      signingKey: ca.privateKey,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
          { type: "dns", value: "localhost" },
          ...hubs.map((hub) => ({ type: "dns" as const, value: hub.toLowerCase() })),
          { type: "ip", value: "127.0.0.1" },
          { type: "ip", value: "::1" },
        ]),
        ...(caKeyId !== undefined ? [new x509.AuthorityKeyIdentifierExtension(caKeyId)] : []),
      ],
    },
    crypto,
  );
  return { certificatePem: certificate.toString("pem"), keyPem: await exportPrivateKeyPem(keys.privateKey) };
}

/**
 * Reuses `<dataDir>/hub-ca.pem` while it is constrained to exactly these hubs, or creates it, and
 * issues a fresh server certificate for loopback and every hub host name. Only the CA key touches
 * the disk (mode 600).
 */
export async function loadOrCreateHubCertificates(
  dataDir: string,
  hubs: readonly string[],
): Promise<HubCertificates> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const caFile = path.resolve(dataDir, HUB_CA_FILE);
  const keyFile = path.resolve(dataDir, HUB_CA_KEY_FILE);
  let ca = await loadCertificateAuthority(caFile, keyFile, hubs);
  const createdCa = ca === null;
  if (ca === null) {
    ca = await createCertificateAuthority(hubs);
    await writeFile(keyFile, await exportPrivateKeyPem(ca.privateKey), { mode: 0o600 });
    await chmod(keyFile, 0o600);
    await writeFile(caFile, ca.certificate.toString("pem"), { mode: 0o644 });
  }
  const server = await createServerCertificate(ca, hubs);
  return {
    caFile,
    caPem: ca.certificate.toString("pem"),
    serverCertificatePem: server.certificatePem,
    serverKeyPem: server.keyPem,
    createdCa,
  };
}
