// Over 300 lines on purpose: every service API route the emulator answers, with its
// authorisation and paging, in one dispatcher.
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

import { parseSasToken } from "@/lib/dps/sas";
import type { ServiceRight } from "@/lib/dps/service/rights";
import { verifyServiceSasToken } from "@/lib/dps/service/sas";
import type { WireEnrollmentGroup } from "@/lib/dps/service/wire";

import type { EnrollmentGroup, ServicePolicy } from "./config";
import type { EmulatorState } from "./emulator-state";
import { failure, serveWithFaults, type Answer } from "./faulty-response";
import { decodeSegment, parseJsonBody, queryParameter } from "./http-io";
import { toServiceRegistrationState } from "./store";
import { ErrorCodes } from "./wire-format";

/** Our reading: DPS documents no maximum page size; the emulator answers at most this many items per page. */
export const MAX_PAGE_SIZE = 1000;
const DEFAULT_PAGE_SIZE = 100;

type ServiceRoute =
  | { kind: "get-group"; id: string }
  | { kind: "query-groups" }
  | { kind: "get-registration"; id: string }
  | { kind: "delete-registration"; id: string }
  | { kind: "query-registrations"; groupId: string }
  | { kind: "unknown" };

const RIGHT_FOR: Record<Exclude<ServiceRoute["kind"], "unknown">, ServiceRight> = {
  "get-group": "enrollmentRead",
  "query-groups": "enrollmentRead",
  "get-registration": "registrationStatusRead",
  "query-registrations": "registrationStatusRead",
  "delete-registration": "registrationStatusWrite",
};

/** The service API lives at the root: `/enrollmentGroups/…` and `/registrations/…` (the device API's paths start with an ID Scope). */
export function isServicePath(path: string): boolean {
  return /^\/(enrollmentgroups|registrations)(\/|$)/i.test(path);
}

function matchRoute(method: string | undefined, path: string): ServiceRoute {
  const [, collection = "", first, second, ...rest] = path.split("/");
  if (rest.length > 0 || first === undefined || first === "") return { kind: "unknown" };
  const id = decodeSegment(first);
  if (id === null) return { kind: "unknown" };
  if (collection.toLowerCase() === "enrollmentgroups") {
    if (second === undefined && id === "query" && method === "POST") return { kind: "query-groups" };
    if (second === undefined && method === "GET") return { kind: "get-group", id };
    return { kind: "unknown" };
  }
  if (second === "query" && method === "POST") return { kind: "query-registrations", groupId: id };
  if (second !== undefined) return { kind: "unknown" };
  if (method === "GET") return { kind: "get-registration", id };
  if (method === "DELETE") return { kind: "delete-registration", id };
  return { kind: "unknown" };
}

/** A quoted or bare etag, compared as DPS's opaque value. */
function sameEtag(given: string, stored: string): boolean {
  const bare = (value: string) =>
    value
      .trim()
      .replace(/^W\//, "")
      .replace(/^"(.*)"$/, "$1");
  return given.trim() === "*" || bare(given) === bare(stored);
}

function groupEtag(group: EnrollmentGroup): string {
  const digest = createHash("sha256").update(JSON.stringify(group)).digest("hex").slice(0, 16);
  return Buffer.from(`"${digest}"`, "utf8").toString("base64");
}

/** The group as GET /enrollmentGroups/{id} returns it, keys included (a policy with enrollment read may see them, as in DPS). */
export function toWireEnrollmentGroup(group: EnrollmentGroup, state: EmulatorState): WireEnrollmentGroup {
  return {
    enrollmentGroupId: group.enrollmentGroupId,
    attestation: {
      type: "symmetricKey",
      symmetricKey: { primaryKey: group.primaryKey, secondaryKey: group.secondaryKey },
    },
    capabilities: { iotEdge: false },
    iotHubs: group.iotHubs,
    ...(group.allocationPolicy === "static" && group.iotHubs[0] ? { iotHubHostName: group.iotHubs[0] } : {}),
    allocationPolicy: group.allocationPolicy,
    ...(group.allocationPolicy === "custom" && group.customAllocationWebhookUrl
      ? {
          customAllocationDefinition: {
            webhookUrl: group.customAllocationWebhookUrl,
            apiVersion: "2021-10-01",
          },
        }
      : {}),
    reprovisionPolicy: group.reprovisionPolicy,
    provisioningStatus: group.provisioningStatus,
    etag: groupEtag(group),
    createdDateTimeUtc: state.startedAtUtc,
    lastUpdatedDateTimeUtc: state.configChangedAtUtc,
  };
}

function pageSizeOf(request: IncomingMessage): number | "invalid" {
  const header = request.headers["x-ms-max-item-count"];
  if (header === undefined) return DEFAULT_PAGE_SIZE;
  const value = Array.isArray(header) ? header[0] : header;
  if (!value || !/^\d{1,9}$/.test(value.trim()) || Number(value) < 1) return "invalid";
  return Math.min(MAX_PAGE_SIZE, Number(value));
}

/** A query request's page size and continuation token, or why it is refused (400). */
function readQuery(
  request: IncomingMessage,
  body: unknown,
  collection: string,
): { pageSize: number; continuation: string | undefined } | { problem: string } {
  const problem = checkQuerySpecification(body, collection);
  if (problem) return { problem };
  const pageSize = pageSizeOf(request);
  if (pageSize === "invalid") return { problem: "x-ms-max-item-count must be a positive whole number" };
  const continuation = request.headers["x-ms-continuation"];
  return { pageSize, continuation: typeof continuation === "string" ? continuation : undefined };
}

/** The query language is SQL-like; the emulator answers "everything" and refuses any filter it would silently ignore. */
function checkQuerySpecification(body: unknown, collection: string): string | null {
  if (body === undefined) return null;
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return "The request body must be a QuerySpecification object";
  const query = (body as { query?: unknown }).query;
  if (query === undefined) return null;
  if (typeof query !== "string") return "QuerySpecification.query must be a string";
  const normalized = query.trim().replace(/\s+/g, " ").toLowerCase();
  if (normalized === "*" || normalized === "" || normalized === `select * from ${collection}`) return null;
  return `The emulator answers only "*" or "SELECT * FROM ${collection}" queries`;
}

function authenticate(state: EmulatorState, request: IncomingMessage): ServicePolicy | null {
  const fields = parseSasToken(request.headers.authorization);
  if (fields === null) return null;
  // The token is scoped to the instance's host name; behind a port (the emulator) either form is accepted.
  const hostHeader = request.headers.host ?? "";
  const hosts = [hostHeader, hostHeader.replace(/:\d+$/, "")];
  const policies = state.config.servicePolicies.map((policy) => ({
    name: policy.name,
    keys: [policy.primaryKey, policy.secondaryKey],
  }));
  const check = verifyServiceSasToken(fields, {
    hosts,
    policies,
    nowEpochSeconds: Math.floor(state.now() / 1000),
  });
  if (!check.ok) return null;
  return state.config.servicePolicies.find((policy) => policy.name === check.policyName) ?? null;
}

function pageHeaders(
  continuationToken: string | null,
  pageSize: number,
  itemType: string,
): Record<string, string> {
  return {
    ...(continuationToken ? { "x-ms-continuation": continuationToken } : {}),
    "x-ms-max-item-count": String(pageSize),
    "x-ms-item-type": itemType,
  };
}

function answerServiceRequest(
  state: EmulatorState,
  request: IncomingMessage,
  route: ServiceRoute,
  query: string,
  body: Buffer,
  requestId: string,
): Answer {
  if (route.kind === "unknown") {
    return failure(
      404,
      ErrorCodes.routeNotFound,
      `No service API route for ${request.method} ${request.url ?? ""}`,
      requestId,
    );
  }
  if (!queryParameter(query, "api-version"))
    return failure(
      400,
      ErrorCodes.apiVersionMissing,
      "The api-version query parameter is required",
      requestId,
    );
  const policy = authenticate(state, request);
  if (policy === null) return failure(401, ErrorCodes.unauthorized, "Unauthorized", requestId);
  const right = RIGHT_FOR[route.kind];
  // Our reading: a valid token of a policy without the right is refused like a bad one, naming what is missing.
  if (!policy.rights.includes(right)) {
    return failure(
      401,
      ErrorCodes.unauthorized,
      `Unauthorized: the shared access policy "${policy.name}" does not have the ${right} right`,
      requestId,
    );
  }
  const admitted = state.quotas.admit("service", "", state.now());
  if (!admitted.admitted) {
    return failure(429, ErrorCodes.throttled, `Too many requests (${admitted.limit})`, requestId, {
      "retry-after": String(admitted.retryAfterSeconds),
    });
  }
  const parsed = parseJsonBody(body);
  if (parsed === null) return failure(400, ErrorCodes.badRequest, "The request body is not JSON", requestId);
  const { config, store } = state;
  switch (route.kind) {
    case "get-group": {
      const group = config.enrollmentGroups.find((candidate) => candidate.enrollmentGroupId === route.id);
      if (group === undefined)
        return failure(
          404,
          ErrorCodes.enrollmentGroupNotFound,
          `Enrollment group ${route.id} not found`,
          requestId,
        );
      return { status: 200, body: toWireEnrollmentGroup(group, state) };
    }
    case "query-groups": {
      const query = readQuery(request, parsed, "enrollmentgroups");
      if ("problem" in query) return failure(400, ErrorCodes.badRequest, query.problem, requestId);
      const { pageSize, continuation } = query;
      const start =
        continuation !== undefined && continuation !== ""
          ? Number.parseInt(Buffer.from(continuation, "base64url").toString("utf8"), 10)
          : 0;
      if (!Number.isSafeInteger(start) || start < 0)
        return failure(400, ErrorCodes.badRequest, "Invalid continuation token", requestId);
      const groups = config.enrollmentGroups.slice(start, start + pageSize);
      const next =
        start + groups.length < config.enrollmentGroups.length
          ? Buffer.from(String(start + groups.length), "utf8").toString("base64url")
          : null;
      return {
        status: 200,
        body: groups.map((group) => toWireEnrollmentGroup(group, state)),
        headers: pageHeaders(next, pageSize, "EnrollmentGroup"),
      };
    }
    case "query-registrations": {
      if (!config.enrollmentGroups.some((group) => group.enrollmentGroupId === route.groupId)) {
        return failure(
          404,
          ErrorCodes.enrollmentGroupNotFound,
          `Enrollment group ${route.groupId} not found`,
          requestId,
        );
      }
      const query = readQuery(request, parsed, "registrations");
      if ("problem" in query) return failure(400, ErrorCodes.badRequest, query.problem, requestId);
      const { pageSize, continuation } = query;
      const page = store.listGroup(route.groupId, {
        top: pageSize,
        continuationToken: continuation ?? null,
      });
      if (page === null) return failure(400, ErrorCodes.badRequest, "Invalid continuation token", requestId);
      return {
        status: 200,
        body: page.items.map(toServiceRegistrationState),
        headers: pageHeaders(page.continuationToken, pageSize, "DeviceRegistration"),
      };
    }
    case "get-registration": {
      const record = store.get(route.id);
      if (record === undefined)
        return failure(404, ErrorCodes.registrationNotFound, "Registration not found", requestId);
      return { status: 200, body: toServiceRegistrationState(record) };
    }
    case "delete-registration": {
      const record = store.get(route.id);
      if (record === undefined)
        return failure(404, ErrorCodes.registrationNotFound, "Registration not found", requestId);
      const ifMatch = request.headers["if-match"];
      if (typeof ifMatch === "string" && ifMatch !== "" && !sameEtag(ifMatch, record.etag)) {
        return failure(
          412,
          ErrorCodes.preconditionFailed,
          "Precondition failed: the registration's etag does not match If-Match",
          requestId,
        );
      }
      store.delete(route.id);
      return { status: 204, body: undefined };
    }
  }
}

/** Serves one service API request (docs/dps-protocol.md §8), with the same faults and latency as the device API. */
export function handleServiceRequest(
  state: EmulatorState,
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  query: string,
  body: Buffer | null,
): Promise<void> {
  const route = matchRoute(request.method, path);
  return serveWithFaults(state, request, response, "service", body, (received, requestId) =>
    answerServiceRequest(state, request, route, query, received, requestId),
  );
}
