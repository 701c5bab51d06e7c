import { isIP } from "node:net";
import type { IncomingMessage, ServerResponse } from "node:http";

import {
  applyConfigPatch,
  EmulatorConfigError,
  parseFaults,
  parseQuotas,
  publicConfig,
  type ConfigPatch,
  type Faults,
  type PublicEmulatorConfig,
  type Quotas,
} from "./config";
import type { CountersSnapshot } from "./counters";
import type { EmulatorState } from "./emulator-state";
import { decodeSegment, parseJsonBody, queryParameter, writeJson } from "./http-io";
import { generatedRecords, outsideRecords } from "./outside-registrations";
import type { RegistrationPage, RegistrationRecord } from "./store";
import { ErrorCodes, errorBody } from "./wire-format";

export type RegistrationQuery = { prefix?: string; top?: number; continuationToken?: string | null };

/** Test and launcher controls; the same operations are served over HTTP under `/_emulator/`. */
export type EmulatorAdmin = {
  listRegistrations(query?: RegistrationQuery): RegistrationPage;
  getRegistration(registrationId: string): RegistrationRecord | undefined;
  /**
   * Adds (or replaces) records made outside the app: one or a list of `OutsideRegistration`s (see
   * ./outside-registrations.ts). Throws EmulatorConfigError naming the field and the reason.
   */
  addRegistrations(input: unknown): RegistrationRecord[];
  /** Adds `count` assigned records `<prefix><n>`: big groups for benchmarks, without registering each device. */
  generateRegistrations(input: unknown): { added: number };
  counters(): CountersSnapshot;
  /** Replaces all faults; fields left out become 0. */
  setFaults(faults: Partial<Faults>): Faults;
  patchFaults(faults: Partial<Faults>): Faults;
  /** Replaces all quotas; fields left out return to the DPS defaults. */
  setQuotas(quotas: Partial<Quotas>): Quotas;
  patchQuotas(quotas: Partial<Quotas>): Quotas;
  /** Validated like the config file; throws EmulatorConfigError naming the field and the reason. */
  patchConfig(patch: ConfigPatch): PublicEmulatorConfig;
  getConfig(): PublicEmulatorConfig;
  /** Clears registrations, operations, counters and quota windows; optionally returns to the startup config. */
  reset(options?: { restoreStartupConfig?: boolean }): void;
};

export function createEmulatorAdmin(state: EmulatorState): EmulatorAdmin {
  // Faults and quotas are replaced (missing fields take their defaults) or patched (missing fields stay).
  const setFaults = (faults: Faults) => {
    state.applyConfig({ ...state.config, faults });
    return state.config.faults;
  };
  const setQuotas = (quotas: Quotas) => {
    state.applyConfig({ ...state.config, quotas });
    return state.config.quotas;
  };
  return {
    listRegistrations: (query) => state.store.list(query),
    getRegistration: (registrationId) => state.store.get(registrationId),
    addRegistrations(input) {
      const records = outsideRecords(state.config, input, state.now());
      for (const record of records) state.store.put(record);
      return records;
    },
    generateRegistrations(input) {
      let added = 0;
      for (const record of generatedRecords(state.config, input, state.now())) {
        state.store.put(record);
        added += 1;
      }
      return { added };
    },
    counters: () => state.counters.snapshot(),
    setFaults: (faults) => setFaults(parseFaults(faults)),
    patchFaults: (faults) => setFaults(parseFaults(faults, state.config.faults)),
    setQuotas: (quotas) => setQuotas(parseQuotas(quotas)),
    patchQuotas: (quotas) => setQuotas(parseQuotas(quotas, state.config.quotas)),
    patchConfig(patch) {
      state.applyConfig(applyConfigPatch(state.config, patch));
      return publicConfig(state.config);
    },
    getConfig: () => publicConfig(state.config),
    reset: (options) => state.reset(options?.restoreStartupConfig === true),
  };
}

/**
 * The admin API needs no credentials, so only the local machine may use it, even when the emulator
 * listens on every interface for devices on the LAN.
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const ipv4 = address.startsWith("::ffff:") ? address.slice("::ffff:".length) : address;
  if (isIP(ipv4) === 4) return ipv4.startsWith("127.");
  return address === "::1" || address === "0:0:0:0:0:0:0:1";
}

type AdminAnswer = { status: number; body: unknown };

function adminError(status: number, errorCode: number, message: string): AdminAnswer {
  return { status, body: errorBody(errorCode, message) };
}

function route(
  admin: EmulatorAdmin,
  method: string,
  path: string,
  query: string,
  body: unknown,
): AdminAnswer {
  const resource = path.slice("/_emulator/".length);
  const ok = (value: unknown): AdminAnswer => ({ status: 200, body: value });
  if (resource === "registrations" && method === "GET") {
    const top = queryParameter(query, "top");
    return ok(
      admin.listRegistrations({
        prefix: queryParameter(query, "prefix") ?? undefined,
        top: top === null ? undefined : Number(top) || undefined,
        continuationToken: queryParameter(query, "continuationToken"),
      }),
    );
  }
  if (resource === "registrations" && method === "POST")
    return { status: 201, body: admin.addRegistrations(body) };
  if (resource === "registrations/generate" && method === "POST")
    return { status: 201, body: admin.generateRegistrations(body) };
  if (resource.startsWith("registrations/") && method === "GET") {
    const registrationId = decodeSegment(resource.slice("registrations/".length)) ?? "";
    const record = admin.getRegistration(registrationId);
    return record === undefined
      ? adminError(404, ErrorCodes.registrationNotFound, "Registration not found")
      : ok(record);
  }
  if (resource === "counters" && method === "GET") return ok(admin.counters());
  if (resource === "config" && method === "GET") return ok(admin.getConfig());
  if (resource === "config" && method === "PATCH") return ok(admin.patchConfig((body ?? {}) as ConfigPatch));
  if (resource === "faults" && method === "GET") return ok(admin.getConfig().faults);
  if (resource === "faults" && method === "PUT") return ok(admin.setFaults((body ?? {}) as Partial<Faults>));
  if (resource === "faults" && method === "PATCH")
    return ok(admin.patchFaults((body ?? {}) as Partial<Faults>));
  if (resource === "quotas" && method === "GET") return ok(admin.getConfig().quotas);
  if (resource === "quotas" && method === "PUT") return ok(admin.setQuotas((body ?? {}) as Partial<Quotas>));
  if (resource === "quotas" && method === "PATCH")
    return ok(admin.patchQuotas((body ?? {}) as Partial<Quotas>));
  if (resource === "reset" && method === "POST") {
    const options = (body ?? {}) as { restoreStartupConfig?: unknown };
    admin.reset({ restoreStartupConfig: options.restoreStartupConfig === true });
    return ok({ reset: true, restoreStartupConfig: options.restoreStartupConfig === true });
  }
  return adminError(404, ErrorCodes.routeNotFound, `No admin route for ${method} ${path}`);
}

export function handleAdminRequest(
  admin: EmulatorAdmin,
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  query: string,
  body: Buffer | null,
): void {
  let answer: AdminAnswer;
  if (!isLoopbackAddress(request.socket.remoteAddress)) {
    answer = adminError(
      403,
      ErrorCodes.adminForbidden,
      "The emulator admin API only answers loopback clients",
    );
  } else if (body === null) {
    answer = adminError(413, ErrorCodes.bodyTooLarge, "The request body exceeds 96 KB");
  } else {
    const parsed = parseJsonBody(body);
    try {
      answer =
        parsed === null
          ? adminError(400, ErrorCodes.badRequest, "The request body is not JSON")
          : route(admin, request.method ?? "GET", path, query, parsed);
    } catch (error) {
      if (!(error instanceof EmulatorConfigError)) throw error;
      answer = adminError(400, ErrorCodes.badRequest, error.message);
    }
  }
  writeJson(response, answer.status, JSON.stringify(answer.body));
}
