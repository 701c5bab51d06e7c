import { connect as tlsConnect, checkServerIdentity, type SecureContext, type TLSSocket } from "node:tls";
import { isIP } from "node:net";
import { MqttClient } from "mqtt";
import { hubHostRefusal } from "@/lib/security/hub-host-policy";
import { judgeConnack } from "./connack";
import { createDeviceSasToken, mqttUsername } from "./device-credentials";
import type { HubAddress } from "./hub-addresses";
import { judgeTwinStatus, type HubCheckResult, type HubCheckStage } from "./hub-check-result";
import {
  parseTwinResponseTopic,
  reportedPatchTopic,
  twinGetTopic,
  TWIN_RESPONSE_SUBSCRIPTION,
} from "./twin-topics";

export type HubCheckRequest = {
  /** The hub DPS assigned, as DPS named it (the TLS server name and the name the certificate must carry). */
  hubHost: string;
  deviceId: string;
  deviceKey: string;
  /** Where to connect (resolveHubAddress). */
  address: HubAddress;
  /** Trust for the hub's certificate: built once by the caller (a context per connection costs a root-store parse). */
  secureContext?: SecureContext;
  /** The one reported-properties patch the check sends. */
  reported: Record<string, unknown>;
  /** The whole check, connect to disconnect. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** TLS session tickets per address, so a check resumes the last session instead of a full handshake. */
  sessions?: TlsSessionCache;
  /** Refuse a hub outside the outbound policy (lib/security/hub-host-policy) before any byte or token leaves. */
  enforceHostPolicy?: boolean;
};

/**
 * The last TLS session ticket per hub address (a handshake's asymmetric crypto is most of a check's
 * CPU). A ticket is taken from the server only while none is cached or the cached one was declined:
 * each taken ticket costs the client a serialization per handshake, and the hub sends two.
 */
export class TlsSessionCache {
  private readonly entries = new Map<string, { ticket: Buffer; declined: boolean }>();
  /** Handshakes that resumed a cached session and those that did not (tests, tuning). */
  readonly handshakes = { resumed: 0, full: 0 };
  get(key: string): Buffer | undefined {
    return this.entries.get(key)?.ticket;
  }
  wantsTicket(key: string): boolean {
    return this.entries.get(key)?.declined ?? true;
  }
  set(key: string, ticket: Buffer): void {
    this.entries.set(key, { ticket, declined: false });
  }
  noteHandshake(key: string, resumed: boolean): void {
    if (resumed) this.handshakes.resumed += 1;
    else {
      this.handshakes.full += 1;
      // Expired or refused: the next check takes a fresh ticket.
      const entry = this.entries.get(key);
      if (entry) entry.declined = true;
    }
  }
}

/** A token lives just long enough for the check: a leaked one is useless within minutes. */
const TOKEN_LIFETIME_SECONDS = 300;

function networkCodeOf(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : null;
}

function isTlsFailure(code: string | null): boolean {
  return (
    code !== null &&
    (code.startsWith("ERR_TLS") ||
      code.startsWith("ERR_SSL") ||
      code.includes("CERT") ||
      code === "DEPTH_ZERO_SELF_SIGNED_CERTIFICATE" ||
      code === "SELF_SIGNED_CERT_IN_CHAIN" ||
      code === "UNABLE_TO_VERIFY_LEAF_SIGNATURE")
  );
}

/**
 * Connects to the hub as the device (MQTT 3.1.1 over TLS, SAS token from the device key), reads
 * its twin, reports one patch and disconnects: what a device does first, so a success proves the
 * identity, its key and the hub's twin endpoint all work. Never throws; bounded by `timeoutMs`.
 */
export function runHubCheck(request: HubCheckRequest): Promise<HubCheckResult> {
  const refusal = request.enforceHostPolicy ? hubHostRefusal(request.hubHost) : null;
  if (refusal) return Promise.resolve({ kind: "not-allowed", message: refusal, durationMs: 0 });
  const startedAt = Date.now();
  const elapsed = () => Date.now() - startedAt;
  const sessionKey = `${request.address.host}:${request.address.port}/${request.hubHost}`;
  let socket: TLSSocket | null = null;
  let client: MqttClient | null = null;
  let stage: HubCheckStage = "connect";
  let tlsFailure: Error | null = null;

  return new Promise<HubCheckResult>((resolve) => {
    let settled = false;
    const finish = (result: HubCheckResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener("abort", onAbort);
      if (result.kind === "connected" && client) {
        // A polite DISCONNECT, as a device leaving on purpose sends; the socket goes soon either way.
        const leaving = socket;
        client.end(false, {}, () => leaving?.destroy());
        setTimeout(() => leaving?.destroy(), 1_000).unref();
      } else {
        client?.end(true);
        socket?.destroy();
      }
      resolve(result);
    };
    const unreachable = (
      cause: Extract<HubCheckResult, { kind: "unreachable" }>["cause"],
      error?: unknown,
    ) => {
      const networkCode = networkCodeOf(error);
      const message =
        cause === "timeout"
          ? `The hub did not complete the check within ${Math.round(request.timeoutMs / 1000)} s (stuck at ${stage}).`
          : cause === "aborted"
            ? "The check was stopped."
            : cause === "tls"
              ? `The hub's certificate was not accepted for ${request.hubHost}: ${(error as Error)?.message ?? "TLS failed"}.`
              : cause === "closed"
                ? `The hub closed the connection during ${stage}.`
                : `Could not connect to ${request.hubHost} (${request.address.host}:${request.address.port}): ${(error as Error)?.message ?? "no connection"}.`;
      finish({ kind: "unreachable", cause, networkCode, message, durationMs: elapsed() });
    };
    const onAbort = () => unreachable("aborted");
    const timer = setTimeout(() => unreachable("timeout"), request.timeoutMs);
    if (request.signal?.aborted) return onAbort();
    request.signal?.addEventListener("abort", onAbort, { once: true });

    const expiry = Math.floor(Date.now() / 1000) + TOKEN_LIFETIME_SECONDS;
    const session = request.sessions?.get(sessionKey);
    const streamBuilder = () => {
      socket = tlsConnect({
        host: request.address.host,
        port: request.address.port,
        // SNI names the hub even when we connect to another address; IPs cannot be a server name.
        ...(isIP(request.hubHost) ? {} : { servername: request.hubHost }),
        ...(request.secureContext ? { secureContext: request.secureContext } : {}),
        ...(session ? { session } : {}),
        checkServerIdentity: (_name, certificate) => checkServerIdentity(request.hubHost, certificate),
      });
      const sessions = request.sessions;
      if (sessions) {
        if (sessions.wantsTicket(sessionKey))
          socket.on("session", (ticket: Buffer) => sessions.set(sessionKey, ticket));
        socket.once("secureConnect", () =>
          sessions.noteHandshake(sessionKey, socket?.isSessionReused() ?? false),
        );
      }
      socket.on("error", (error) => {
        const code = networkCodeOf(error);
        if (isTlsFailure(code)) tlsFailure = error;
        unreachable(isTlsFailure(code) ? "tls" : stage === "connect" ? "connect" : "closed", error);
      });
      return socket;
    };

    client = new MqttClient(streamBuilder, {
      protocolVersion: 4,
      protocolId: "MQTT",
      clientId: request.deviceId,
      username: mqttUsername(request.hubHost, request.deviceId),
      password: createDeviceSasToken(request.hubHost, request.deviceId, request.deviceKey, expiry),
      clean: true,
      keepalive: 0,
      reconnectPeriod: 0,
      connectTimeout: request.timeoutMs,
      resubscribe: false,
    });

    client.on("error", (error) => {
      const code = (error as { code?: unknown }).code;
      if (stage === "connect" && typeof code === "number") {
        const verdict = judgeConnack(code);
        if (verdict.kind === "refused")
          return finish({
            kind: "refused",
            stage,
            code,
            explanation: verdict.explanation,
            nextStep: verdict.nextStep,
            durationMs: elapsed(),
          });
        if (verdict.kind === "hub-busy")
          return finish({
            kind: "hub-busy",
            stage,
            code,
            message: verdict.explanation,
            durationMs: elapsed(),
          });
      }
      unreachable(tlsFailure ? "tls" : stage === "connect" ? "connect" : "closed", tlsFailure ?? error);
    });
    client.on("close", () => unreachable(tlsFailure ? "tls" : "closed", tlsFailure ?? undefined));

    const getId = "1";
    const patchId = "2";
    // Both requests are out at once; the answers are judged in request order whatever order they arrive in.
    let patchAnswer: { status: number; version: number | null } | null = null;
    const settleTwin = () => {
      if (stage !== "twin-patch" || patchAnswer === null) return;
      if (patchAnswer.status < 200 || patchAnswer.status > 299)
        return finish(judgeTwinStatus("twin-patch", patchAnswer.status, elapsed()));
      finish({ kind: "connected", twinVersion: patchAnswer.version, durationMs: elapsed() });
    };
    client.on("message", (topic) => {
      const answer = parseTwinResponseTopic(topic);
      if (!answer) return;
      if (answer.requestId === getId && stage === "twin-get") {
        if (answer.status !== 200) return finish(judgeTwinStatus("twin-get", answer.status, elapsed()));
        stage = "twin-patch";
        settleTwin();
      } else if (answer.requestId === patchId && patchAnswer === null) {
        patchAnswer = { status: answer.status, version: answer.version };
        settleTwin();
      }
    });

    client.on("connect", () => {
      stage = "twin-get";
      client!.subscribe(TWIN_RESPONSE_SUBSCRIPTION, { qos: 0 }, (error) => {
        if (error) return unreachable("closed", error);
        // The GET and the patch go out together, in one TLS write and one round trip: the hub
        // answers them in order, and a failed GET settles the check before the patch's answer counts.
        client!.publish(twinGetTopic(getId), "", { qos: 0 });
        client!.publish(reportedPatchTopic(patchId), JSON.stringify(request.reported), { qos: 0 });
      });
    });
  });
}
