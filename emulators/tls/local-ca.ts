/** The emulators' local CAs (DPS and IoT Hub): one recipe, each with its own files and names. */
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
/** A CA this close to expiry is replaced at start rather than letting a long-running emulator break mid-session. */
const CA_RENEWAL_MARGIN_DAYS = 30;

/** Where a local CA lives, what it is called, and the host names besides loopback it may vouch for. */
export type LocalCaOptions = {
  dataDir: string;
  caFileName: string;
  keyFileName: string;
  commonName: string;
  /** Exact host names besides loopback (lower-cased here); the CA is replaced when they change. */
  hostNames: readonly string[];
};

export type LocalCertificates = {
  caFile: string;
  caPem: string;
  serverCertificatePem: string;
  serverKeyPem: string;
  /** True when this start created the CA, i.e. clients holding an older CA file must reload it. */
  createdCa: boolean;
};

type CertificateAuthority = { certificate: x509.X509Certificate; privateKey: CryptoKey };

function serialNumber(): string {
  // A positive 16-byte serial: the top bit clear keeps DER from reading it as negative.
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString("hex");
}

async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

const normalized = (hostNames: readonly string[]) =>
  [...new Set(hostNames.map((name) => name.toLowerCase()))].sort();

/**
 * The CA may only vouch for loopback (DNS localhost, 127.0.0.0/8, ::1) and the given exact host
 * names (a dNSName constraint also admits that name's subdomains, which none of ours has): even if
 * its key, which sits in the data directory, were copied, it could not impersonate any other host
 * to a client that trusts it. Critical, so a client that cannot check it refuses the CA outright.
 */
export function localNameConstraints(hostNames: readonly string[]): x509.Extension {
  const permitted = new GeneralSubtrees([
    new GeneralSubtree({ base: new GeneralName({ dNSName: "localhost" }) }),
    ...normalized(hostNames).map((name) => new GeneralSubtree({ base: new GeneralName({ dNSName: name }) })),
    new GeneralSubtree({ base: new GeneralName({ iPAddress: "127.0.0.0/8" }) }),
    new GeneralSubtree({ base: new GeneralName({ iPAddress: "::1/128" }) }),
  ]);
  return new x509.Extension(
    id_ce_nameConstraints,
    true,
    AsnConvert.serialize(new NameConstraints({ permittedSubtrees: permitted })),
  );
}

/** A CA from before the constraint, or constrained to other names, is replaced, not reused. */
function constrainedTo(certificate: x509.X509Certificate, hostNames: readonly string[]): boolean {
  const extension = certificate.extensions.find((e) => e.type === id_ce_nameConstraints);
  return (
    Boolean(extension?.critical) &&
    Buffer.from(extension!.value).equals(Buffer.from(localNameConstraints(hostNames).value))
  );
}

async function createCertificateAuthority(options: LocalCaOptions): Promise<CertificateAuthority> {
  const keys = (await crypto.subtle.generateKey(EC_KEY, true, ["sign", "verify"])) as CryptoKeyPair;
  const notBefore = new Date(Date.now() - DAY_MS);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serialNumber(),
      name: `CN=${options.commonName}`,
      notBefore,
      notAfter: new Date(notBefore.getTime() + CA_LIFETIME_DAYS * DAY_MS),
      keys,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
        localNameConstraints(options.hostNames),
      ],
    },
    crypto,
  );
  return { certificate, privateKey: keys.privateKey };
}

async function loadCertificateAuthority(
  caPath: string,
  keyPath: string,
  hostNames: readonly string[],
): Promise<CertificateAuthority | null> {
  try {
    const [caPem, keyPem] = await Promise.all([readFile(caPath, "utf8"), readFile(keyPath, "utf8")]);
    const certificate = new x509.X509Certificate(caPem);
    if (certificate.notAfter.getTime() - Date.now() < CA_RENEWAL_MARGIN_DAYS * DAY_MS) return null;
    if (!constrainedTo(certificate, hostNames)) return null;
    const der = x509.PemConverter.decodeFirst(keyPem);
    const privateKey = await crypto.subtle.importKey("pkcs8", der, EC_KEY, false, ["sign"]);
    // A key that does not belong to the certificate would issue server certificates no client accepts.
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
  hostNames: readonly string[],
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
          ...normalized(hostNames).map((name) => ({ type: "dns" as const, value: name })),
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
 * Reuses the CA in the data directory while it still fits (so clients trust the emulator across
 * restarts) or creates it, and issues a fresh server certificate for loopback and the given host
 * names. Only the CA key touches the disk (mode 600).
 */
export async function loadOrCreateLocalCertificates(options: LocalCaOptions): Promise<LocalCertificates> {
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const caFile = path.resolve(options.dataDir, options.caFileName);
  const keyFile = path.resolve(options.dataDir, options.keyFileName);
  let ca = await loadCertificateAuthority(caFile, keyFile, options.hostNames);
  const createdCa = ca === null;
  if (ca === null) {
    ca = await createCertificateAuthority(options);
    await writeFile(keyFile, await exportPrivateKeyPem(ca.privateKey), { mode: 0o600 });
    // writeFile keeps the mode of an existing file; the key must be private even if an older file was not.
    await chmod(keyFile, 0o600);
    await writeFile(caFile, ca.certificate.toString("pem"), { mode: 0o644 });
  }
  const server = await createServerCertificate(ca, options.hostNames);
  return {
    caFile,
    caPem: ca.certificate.toString("pem"),
    serverCertificatePem: server.certificatePem,
    serverKeyPem: server.keyPem,
    createdCa,
  };
}
