import { describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { CA_FILE, loadOrCreateCertificates } from "./certificates";

describe("the emulator's CA", () => {
  it("is name-constrained to loopback, so it cannot vouch for any other host", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hic-ca-"));
    try {
      const { caPem } = await loadOrCreateCertificates(dir);
      const text = execFileSync("openssl", ["x509", "-noout", "-text"], { input: caPem }).toString();
      expect(text).toMatch(/X509v3 Name Constraints: critical/);
      expect(text).toMatch(
        /Permitted:[\s\S]*DNS:localhost[\s\S]*IP:127\.0\.0\.0\/255\.0\.0\.0[\s\S]*IP:0:0:0:0:0:0:0:1\/(FFFF:){7}FFFF/i,
      );
      expect(new X509Certificate(caPem).ca).toBe(true);
      // A certificate for another name, signed with the CA's own key, is refused by OpenSSL's verifier.
      const sign = (name: string, san: string) => {
        const leafKey = path.join(dir, `${name}-key.pem`);
        const csr = path.join(dir, `${name}.csr`);
        const ext = path.join(dir, `${name}.ext`);
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
            leafKey,
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
            path.join(dir, CA_FILE),
            "-CAkey",
            path.join(dir, "ca-key.pem"),
            "-days",
            "1",
            "-extfile",
            ext,
            "-out",
            path.join(dir, `${name}.pem`),
          ],
          { stdio: "ignore" },
        );
        return (
          spawnSync("openssl", [
            "verify",
            "-CAfile",
            path.join(dir, CA_FILE),
            path.join(dir, `${name}.pem`),
          ]).stdout.toString() +
          spawnSync("openssl", [
            "verify",
            "-CAfile",
            path.join(dir, CA_FILE),
            path.join(dir, `${name}.pem`),
          ]).stderr.toString()
        );
      };
      expect(sign("loopback", "DNS:localhost,IP:127.0.0.1")).toMatch(/: OK/);
      expect(sign("elsewhere", "DNS:login.example.com")).toMatch(/permitted subtree violation/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("replaces a CA from an older data directory that lacks the constraint", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hic-ca-"));
    try {
      const key = path.join(dir, "old-key.pem");
      execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:P-256",
          "-nodes",
          "-keyout",
          key,
          "-subj",
          "/CN=old",
          "-days",
          "3650",
          "-out",
          path.join(dir, CA_FILE),
        ],
        { stdio: "ignore" },
      );
      writeFileSync(path.join(dir, "ca-key.pem"), readFileSync(key));
      const oldPem = readFileSync(path.join(dir, CA_FILE), "utf8");
      const result = await loadOrCreateCertificates(dir);
      expect(result.createdCa).toBe(true);
      expect(result.caPem).not.toBe(oldPem);
      expect(
        execFileSync("openssl", ["x509", "-noout", "-text"], { input: result.caPem }).toString(),
      ).toMatch(/Name Constraints: critical/);
      expect((await loadOrCreateCertificates(dir)).createdCa).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
