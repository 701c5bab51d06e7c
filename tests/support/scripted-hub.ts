import { webcrypto } from "node:crypto";
import { createServer, type Server, type TLSSocket } from "node:tls";
import type { AddressInfo } from "node:net";
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { Aedes, type AuthenticateError } from "aedes";

/**
 * A scripted IoT hub for the hub check client's tests: an aedes broker behind TLS with a
 * certificate for one hub name, answering CONNECT and the twin topics the way each test says.
 * Not the local IoT Hub (emulators/): small, so a test can make it refuse, stall or throttle.
 */
const crypto = webcrypto as Crypto;
const EC_KEY = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGNING = { name: "ECDSA", hash: "SHA-256" } as const;

export type HubScript = {
  /** CONNACK return code for a CONNECT (0 accepts). */
  connect?: (clientId: string, username: string, password: string) => number;
  /** Status of a twin GET / reported PATCH answer; null: no answer (a stall). */
  twinGet?: () => number | null;
  twinPatch?: (body: unknown) => number | null;
};

export type ScriptedHub = {
  port: number;
  caPem: string;
  hubHost: string;
  connects: { clientId: string; username: string; password: string }[];
  patches: unknown[];
  script: HubScript;
  close(): Promise<void>;
};

async function certificates(hubHosts: string[]): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const caKeys = (await crypto.subtle.generateKey(EC_KEY, true, ["sign", "verify"])) as CryptoKeyPair;
  const now = Date.now();
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: "01",
      name: "CN=Scripted hub test CA",
      notBefore: new Date(now - 86_400_000),
      notAfter: new Date(now + 86_400_000),
      keys: caKeys,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      ],
    },
    crypto,
  );
  const keys = (await crypto.subtle.generateKey(EC_KEY, true, ["sign", "verify"])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: "02",
      subject: `CN=${hubHosts[0]}`,
      issuer: ca.subject,
      notBefore: new Date(now - 86_400_000),
      notAfter: new Date(now + 86_400_000),
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(hubHosts.map((value) => ({ type: "dns" as const, value }))),
      ],
    },
    crypto,
  );
  const keyPem = x509.PemConverter.encode(
    await crypto.subtle.exportKey("pkcs8", keys.privateKey),
    "PRIVATE KEY",
  );
  return { caPem: ca.toString("pem"), certPem: cert.toString("pem"), keyPem };
}

/** A hub serving `hubHosts` (its certificate names them all); the first is `hubHost`. */
export async function startScriptedHub(
  hubHosts: string[] = ["scripted-hub.azure-devices.net"],
): Promise<ScriptedHub> {
  const hubHost = hubHosts[0]!;
  const { caPem, certPem, keyPem } = await certificates(hubHosts);
  const broker = await Aedes.createBroker();
  const hub: ScriptedHub = {
    port: 0,
    caPem,
    hubHost,
    connects: [],
    patches: [],
    script: {},
    close: async () => {},
  };
  broker.authenticate = (client, username, password, done) => {
    const entry = { clientId: client.id, username: username ?? "", password: password?.toString() ?? "" };
    hub.connects.push(entry);
    const code = hub.script.connect?.(entry.clientId, entry.username, entry.password) ?? 0;
    if (code === 0) return done(null, true);
    const error = new Error("refused") as AuthenticateError;
    error.returnCode = code as AuthenticateError["returnCode"];
    done(error, null);
  };
  broker.authorizePublish = (client, packet, done) => {
    const rid = /\?\$rid=([^&]+)/.exec(packet.topic)?.[1];
    const answer = (status: number | null) => {
      if (status === null || !client) return;
      // To the asking device only, as IoT Hub answers.
      client.publish(
        {
          cmd: "publish",
          topic: `$iothub/twin/res/${status}/?$rid=${rid}&$version=2`,
          payload: Buffer.from("{}"),
          qos: 0,
          retain: false,
          dup: false,
        },
        () => {},
      );
    };
    if (packet.topic.startsWith("$iothub/twin/GET/")) answer(hub.script.twinGet ? hub.script.twinGet() : 200);
    else if (packet.topic.startsWith("$iothub/twin/PATCH/properties/reported/")) {
      const body = JSON.parse(packet.payload.toString() || "null") as unknown;
      hub.patches.push(body);
      answer(hub.script.twinPatch ? hub.script.twinPatch(body) : 204);
    }
    done(null);
  };
  const server: Server = createServer({ cert: certPem, key: keyPem }, (socket: TLSSocket) =>
    broker.handle(socket),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  hub.port = (server.address() as AddressInfo).port;
  hub.close = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => broker.close(() => resolve()));
  };
  return hub;
}
