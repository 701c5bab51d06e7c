import { randomBytes, webcrypto } from "node:crypto";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @peculiar/x509 needs the Reflect metadata API; the emulator ships the small polyfill.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import {
  createDpsClient,
  createDpsFetch,
  deriveDeviceKey,
  parseSasToken,
  verifySasToken,
  type DpsClientOptions,
} from "./index";

/**
 * The client against real TLS sockets on loopback: a throwaway CA, a server certificate for
 * 127.0.0.1, and a minimal DPS. Proves the CA-aware fetch works and that real socket and
 * certificate failures land in the right kinds.
 */

const crypto = webcrypto as Crypto;
const EC_KEY = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGNING = { name: "ECDSA", hash: "SHA-256" } as const;
const HOUR_MS = 3_600_000;

async function keyPair() {
  return (await crypto.subtle.generateKey(EC_KEY, true, ["sign", "verify"])) as CryptoKeyPair;
}

type TestCa = { caPem: string; certificate: x509.X509Certificate; privateKey: CryptoKey };

async function createTestCa(): Promise<TestCa> {
  const keys = await keyPair();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: "01",
      name: "CN=lib-dps test CA",
      notBefore: new Date(Date.now() - HOUR_MS),
      notAfter: new Date(Date.now() + HOUR_MS),
      keys,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      ],
    },
    crypto,
  );
  return { caPem: certificate.toString("pem"), certificate, privateKey: keys.privateKey };
}

async function issueServerCertificate(ca: TestCa, serverNames: x509.JsonGeneralName[]) {
  const keys = await keyPair();
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: `1${randomBytes(8).toString("hex")}`,
      subject: "CN=lib-dps test server",
      issuer: ca.certificate.subject,
      notBefore: new Date(Date.now() - HOUR_MS),
      notAfter: new Date(Date.now() + HOUR_MS),
      publicKey: keys.publicKey,
      signingKey: ca.privateKey,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(serverNames),
      ],
    },
    crypto,
  );
  const key = x509.PemConverter.encode(
    await crypto.subtle.exportKey("pkcs8", keys.privateKey),
    "PRIVATE KEY",
  );
  return { cert: certificate.toString("pem"), key };
}

const idScope = "0ne00000A0A";
const groupKey = randomBytes(64).toString("base64");

type Seen = {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
};

/** Just enough DPS: PUT → 202 assigning, GET → 200 assigned, POST → 404; `reset-` ids drop the first socket. */
function miniDps(seen: Seen[]) {
  const resetOnce = new Set<string>();
  return (request: import("node:http").IncomingMessage, response: import("node:http").ServerResponse) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      seen.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers, body });
      const match = /^\/([^/]+)\/registrations\/([^/?]+)/.exec(request.url ?? "");
      const registrationId = decodeURIComponent(match?.[2] ?? "");
      const reply = (status: number, json: unknown, headers: Record<string, string> = {}) => {
        response.writeHead(status, { "Content-Type": "application/json; charset=utf-8", ...headers });
        response.end(JSON.stringify(json));
      };
      if (registrationId.startsWith("silent-")) return;
      if (registrationId.startsWith("reset-") && !resetOnce.has(registrationId)) {
        resetOnce.add(registrationId);
        request.socket.destroy();
        return;
      }
      const fields = parseSasToken(request.headers.authorization);
      const check = fields
        ? verifySasToken(fields, {
            idScope,
            registrationId,
            deviceKeysBase64: [deriveDeviceKey(groupKey, registrationId)],
            nowEpochSeconds: Math.floor(Date.now() / 1000),
          })
        : { ok: false };
      if (!check.ok) return reply(401, { errorCode: 401002, trackingId: "t-401", message: "Unauthorized" });
      if (request.method === "PUT")
        return reply(202, { operationId: "op-1", status: "assigning" }, { "Retry-After": "1" });
      if (request.method === "GET") {
        return reply(200, {
          operationId: "op-1",
          status: "assigned",
          registrationState: {
            registrationId,
            assignedHub: "hub.example.net",
            deviceId: registrationId,
            status: "assigned",
          },
        });
      }
      return reply(404, { errorCode: 404202, trackingId: "t-404", message: "Not found" });
    });
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

const noWait: DpsClientOptions = { sleep: async () => undefined };

describe("the client over real HTTPS", () => {
  const seen: Seen[] = [];
  let caPem = "";
  let dpsHost = "";
  let wrongNameHost = "";
  let closedHost = "";
  const servers: Server[] = [];

  beforeAll(async () => {
    const ca = await createTestCa();
    caPem = ca.caPem;
    const loopback = await issueServerCertificate(ca, [{ type: "ip", value: "127.0.0.1" }]);
    const otherName = await issueServerCertificate(ca, [{ type: "dns", value: "not-this-host.example" }]);
    const dps = createServer(loopback, miniDps(seen));
    const misnamed = createServer(otherName, miniDps([]));
    const closed = createServer(loopback);
    servers.push(dps, misnamed);
    dpsHost = `127.0.0.1:${await listen(dps)}`;
    wrongNameHost = `127.0.0.1:${await listen(misnamed)}`;
    closedHost = `127.0.0.1:${await listen(closed)}`;
    await new Promise((resolve) => closed.close(resolve));
  });

  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  const deviceKeyFor = (registrationId: string) => deriveDeviceKey(groupKey, registrationId);

  it("registers through a fetch that trusts the test CA", async () => {
    const client = createDpsClient({ ...noWait, fetch: createDpsFetch({ caPem }) });
    const registrationId = "sn:007.888_abc-01";
    const result = await client.register({
      connection: { idScope, host: dpsHost },
      registrationId,
      deviceKey: deviceKeyFor(registrationId),
    });
    expect(result).toMatchObject({
      kind: "assigned",
      assignedHub: "hub.example.net",
      deviceId: registrationId,
      attempts: 2,
    });
    const [put, get] = seen.slice(-2);
    expect(put).toMatchObject({
      method: "PUT",
      url: `/${idScope}/registrations/sn%3A007.888_abc-01/register?api-version=2021-10-01`,
      headers: {
        "content-type": "application/json; charset=utf-8",
        accept: "application/json",
        "user-agent": "hyperscaler-integration-center/0.1.0",
      },
    });
    expect(JSON.parse(put!.body)).toEqual({ registrationId });
    expect(get).toMatchObject({
      method: "GET",
      url: `/${idScope}/registrations/sn%3A007.888_abc-01/operations/op-1?api-version=2021-10-01`,
    });
  });

  it("looks up status: 404 is not registered, a wrong key is unauthorized", async () => {
    const client = createDpsClient({ ...noWait, fetch: createDpsFetch({ caPem }) });
    const connection = { idScope, host: dpsHost };
    const lookup = await client.lookupStatus({
      connection,
      registrationId: "probe-1",
      deviceKey: deviceKeyFor("probe-1"),
    });
    expect(lookup).toMatchObject({
      kind: "not-registered",
      httpStatus: 404,
      dpsErrorCode: 404202,
      trackingId: "t-404",
    });
    const wrongKey = await client.lookupStatus({
      connection,
      registrationId: "probe-1",
      deviceKey: deviceKeyFor("other"),
    });
    expect(wrongKey).toMatchObject({
      kind: "unauthorized",
      httpStatus: 401,
      dpsErrorCode: 401002,
      attempts: 1,
    });
  });

  it("reports a server certificate from an unknown CA as unreachable tls, without retrying", async () => {
    const client = createDpsClient(noWait);
    const result = await client.lookupStatus({
      connection: { idScope, host: dpsHost },
      registrationId: "probe-1",
      deviceKey: deviceKeyFor("probe-1"),
    });
    expect(result).toMatchObject({
      kind: "unreachable",
      cause: "tls",
      networkCode: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      attempts: 1,
    });
  });

  it("reports a certificate for another host name as unreachable tls", async () => {
    const client = createDpsClient({ ...noWait, fetch: createDpsFetch({ caPem }) });
    const result = await client.lookupStatus({
      connection: { idScope, host: wrongNameHost },
      registrationId: "probe-1",
      deviceKey: deviceKeyFor("probe-1"),
    });
    expect(result).toMatchObject({
      kind: "unreachable",
      cause: "tls",
      networkCode: "ERR_TLS_CERT_ALTNAME_INVALID",
      attempts: 1,
    });
  });

  it("reports a closed port as unreachable refused after a couple of tries", async () => {
    const client = createDpsClient({ ...noWait, fetch: createDpsFetch({ caPem }) });
    const result = await client.lookupStatus({
      connection: { idScope, host: closedHost },
      registrationId: "probe-1",
      deviceKey: deviceKeyFor("probe-1"),
    });
    expect(result).toMatchObject({
      kind: "unreachable",
      cause: "refused",
      networkCode: "ECONNREFUSED",
      attempts: 3,
    });
    expect(result.message).toContain(closedHost);
  });

  it("retries a dropped connection and then succeeds", async () => {
    const client = createDpsClient({ ...noWait, fetch: createDpsFetch({ caPem }) });
    const result = await client.lookupStatus({
      connection: { idScope, host: dpsHost },
      registrationId: "reset-1",
      deviceKey: deviceKeyFor("reset-1"),
    });
    expect(result).toMatchObject({ kind: "not-registered", attempts: 2 });
  });

  it("times out a server that never answers", async () => {
    const client = createDpsClient({
      ...noWait,
      fetch: createDpsFetch({ caPem }),
      requestTimeoutMs: 200,
      retryPolicy: { maxAttempts: 2 },
    });
    const result = await client.lookupStatus({
      connection: { idScope, host: dpsHost },
      registrationId: "silent-1",
      deviceKey: deviceKeyFor("silent-1"),
    });
    expect(result).toMatchObject({ kind: "transient", cause: "timeout", attempts: 2 });
  });
});
