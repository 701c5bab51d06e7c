import { X509Certificate } from "node:crypto";
import { rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { connect } from "node:tls";

import { afterAll, describe, expect, it } from "vitest";

import { DEFAULT_PORT, startDpsEmulator } from "./index";
import {
  makeDataDir,
  rawRequest,
  startTestEmulator,
  testConfig,
  type TestEmulator,
} from "@/tests/support/dps-emulator";

function peerCertificate(emulator: TestEmulator, servername: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port: emulator.port, ca: emulator.caPem, servername }, () => {
      const certificate = socket.getPeerX509Certificate();
      socket.end();
      if (certificate === undefined) reject(new Error("no peer certificate"));
      else resolve(certificate);
    });
    socket.on("error", reject);
  });
}

describe("listening", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it("serves a certificate from its CA valid for localhost, 127.0.0.1 and ::1", async () => {
    const emulator = await startTestEmulator();
    cleanups.push(() => emulator.dispose());

    const certificate = await peerCertificate(emulator, "localhost");

    expect(certificate.checkHost("localhost")).toBe("localhost");
    expect(certificate.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(certificate.checkIP("::1")).toBe("::1");
    expect(certificate.verify(new X509Certificate(emulator.caPem).publicKey)).toBe(true);
  });

  it("falls back to a free port when the default port is taken", async () => {
    const blocker: Server = createServer();
    // If something else already holds the default port, that blocks it just as well.
    await new Promise<void>((resolve) =>
      blocker.once("error", () => resolve()).listen(DEFAULT_PORT, "127.0.0.1", () => resolve()),
    );
    cleanups.push(() => new Promise((resolve) => blocker.close(() => resolve())));
    const dataDir = await makeDataDir();
    const emulator = await startDpsEmulator({ config: testConfig(), dataDir });
    cleanups.push(async () => {
      await emulator.stop();
      await rm(dataDir, { recursive: true, force: true });
    });

    expect(emulator.port).not.toBe(DEFAULT_PORT);
    expect(emulator.url).toBe(`https://127.0.0.1:${emulator.port}`);
    expect((await rawRequest(emulator, "GET", "/_emulator/counters")).status).toBe(200);
  });
});
