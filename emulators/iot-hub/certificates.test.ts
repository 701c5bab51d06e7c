import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { describe, expect, it } from "vitest";

import { HUB_CA_FILE, HUB_CA_KEY_FILE, loadOrCreateHubCertificates } from "./certificates";

const HUBS = ["hub-a.azure-devices.net", "hub-b.azure-devices.net"];

/** Signs a leaf for `san` with the hub CA's own key and asks OpenSSL's verifier about it. */
function verifyLeaf(dir: string, name: string, san: string): string {
  const key = path.join(dir, `${name}-key.pem`);
  const csr = path.join(dir, `${name}.csr`);
  const ext = path.join(dir, `${name}.ext`);
  const leaf = path.join(dir, `${name}.pem`);
  writeFileSync(ext, `subjectAltName=${san}\n`);
  execFileSync(
    "openssl",
    [
      "req",
      "-new",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      key,
      "-subj",
      `/CN=${name}`,
      "-out",
      csr,
    ],
    { stdio: "ignore" },
  );
  execFileSync(
    "openssl",
    [
      "x509",
      "-req",
      "-in",
      csr,
      "-CA",
      path.join(dir, HUB_CA_FILE),
      "-CAkey",
      path.join(dir, HUB_CA_KEY_FILE),
      "-days",
      "1",
      "-extfile",
      ext,
      "-out",
      leaf,
    ],
    { stdio: "ignore" },
  );
  const result = spawnSync("openssl", ["verify", "-CAfile", path.join(dir, HUB_CA_FILE), leaf]);
  return result.stdout.toString() + result.stderr.toString();
}

describe("the hub CA", () => {
  it("vouches for loopback and the emulated hubs only, not for Azure's other hubs or any other host", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hic-hub-ca-"));
    try {
      const { caPem, serverCertificatePem } = await loadOrCreateHubCertificates(dir, HUBS);
      const text = execFileSync("openssl", ["x509", "-noout", "-text"], { input: caPem }).toString();
      expect(text).toMatch(/X509v3 Name Constraints: critical/);
      const server = execFileSync("openssl", ["x509", "-noout", "-ext", "subjectAltName"], {
        input: serverCertificatePem,
      }).toString();
      expect(server).toMatch(/DNS:hub-a\.azure-devices\.net/);
      expect(server).toMatch(/DNS:hub-b\.azure-devices\.net/);

      expect(verifyLeaf(dir, "loopback", "DNS:localhost,IP:127.0.0.1")).toMatch(/: OK/);
      expect(verifyLeaf(dir, "hub", "DNS:hub-a.azure-devices.net")).toMatch(/: OK/);
      expect(verifyLeaf(dir, "another-hub", "DNS:someone-elses-hub.azure-devices.net")).toMatch(
        /permitted subtree violation/,
      );
      expect(verifyLeaf(dir, "all-hubs", "DNS:*.azure-devices.net")).toMatch(/permitted subtree violation/);
      expect(verifyLeaf(dir, "elsewhere", "DNS:login.example.com")).toMatch(/permitted subtree violation/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is kept across restarts for the same hubs and replaced when the hubs change", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hic-hub-ca-"));
    try {
      const first = await loadOrCreateHubCertificates(dir, HUBS);
      expect(first.createdCa).toBe(true);
      const again = await loadOrCreateHubCertificates(dir, [...HUBS].reverse());
      expect(again.createdCa).toBe(false);
      expect(again.caPem).toBe(first.caPem);
      const other = await loadOrCreateHubCertificates(dir, [...HUBS, "hub-c.azure-devices.net"]);
      expect(other.createdCa).toBe(true);
      expect(other.caPem).not.toBe(first.caPem);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
