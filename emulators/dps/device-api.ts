import type { IncomingMessage, ServerResponse } from "node:http";

import type { DeviceEndpoint } from "./counters";
import type { EmulatorState } from "./emulator-state";
import { failure, serveWithFaults, type Answer } from "./faulty-response";
import { decodeSegment, parseJsonBody, queryParameter } from "./http-io";
import { toRegistrationState } from "./store";
import { ErrorCodes, isValidRegistrationId } from "./wire-format";

type Route = { endpoint: DeviceEndpoint; segments: string[] };

/** `/{idScope}/registrations/{registrationId}[/register | /operations/{operationId}]` and the method each takes. */
export function matchDeviceRoute(method: string | undefined, path: string): Route {
  const segments = path.split("/");
  if (segments[0] !== "" || segments[2] !== "registrations" || !segments[1] || !segments[3])
    return { endpoint: "other", segments };
  if (segments.length === 5 && segments[4] === "register" && method === "PUT")
    return { endpoint: "register", segments };
  if (segments.length === 6 && segments[4] === "operations" && segments[5] && method === "GET")
    return { endpoint: "operation", segments };
  if (segments.length === 4 && method === "POST") return { endpoint: "status", segments };
  return { endpoint: "other", segments };
}

/** The DPS device data plane, after faults: validation, SAS, quotas, then the operation itself. */
function answerDeviceRequest(
  state: EmulatorState,
  request: IncomingMessage,
  route: Route,
  query: string,
  body: Buffer,
  requestId: string,
): Answer {
  const { config } = state;
  if (route.endpoint === "other") {
    return failure(
      404,
      ErrorCodes.routeNotFound,
      `No device API route for ${request.method} ${route.segments.join("/")}`,
      requestId,
    );
  }
  if (!queryParameter(query, "api-version")) {
    return failure(
      400,
      ErrorCodes.apiVersionMissing,
      "The api-version query parameter is required",
      requestId,
    );
  }
  const idScope = decodeSegment(route.segments[1] ?? "");
  const registrationId = decodeSegment(route.segments[3] ?? "");
  if (idScope !== config.idScope) return failure(401, ErrorCodes.unauthorized, "Unauthorized", requestId);
  if (registrationId === null || !isValidRegistrationId(registrationId)) {
    return failure(400, ErrorCodes.invalidRegistration, "Invalid RegistrationId", requestId);
  }
  const now = state.now();
  const group = state.authenticator.authenticate(
    request.headers.authorization,
    registrationId,
    Math.floor(now / 1000),
  );
  if (group === null) return failure(401, ErrorCodes.unauthorized, "Unauthorized", requestId);

  const quota = state.quotas.admit(route.endpoint, registrationId.toLowerCase(), now);
  if (!quota.admitted) {
    return failure(429, ErrorCodes.throttled, `Too many requests (${quota.limit})`, requestId, {
      "retry-after": String(quota.retryAfterSeconds),
    });
  }

  const parsed = parseJsonBody(body);
  const retryAfter = String(config.retryAfterSeconds);
  const location = `https://${request.headers.host ?? "localhost"}${route.segments.join("/")}`;
  switch (route.endpoint) {
    case "register": {
      const registration = parsed as { registrationId?: unknown; payload?: unknown } | null | undefined;
      if (typeof registration !== "object" || registration === null || Array.isArray(registration)) {
        return failure(
          400,
          ErrorCodes.invalidRegistration,
          "The request body must be a JSON DeviceRegistration object",
          requestId,
        );
      }
      if (registration.registrationId !== registrationId) {
        return failure(
          400,
          ErrorCodes.invalidRegistration,
          "The body registrationId must equal the registration ID in the path",
          requestId,
        );
      }
      const operation = state.service.startRegistration(group, registrationId, registration.payload);
      return {
        status: 202,
        body: { operationId: operation.operationId, status: "assigning" },
        headers: { "retry-after": retryAfter, location },
      };
    }
    case "operation": {
      const operationId = decodeSegment(route.segments[5] ?? "") ?? "";
      const operation = state.service.findOperation(registrationId, operationId);
      if (operation === undefined)
        return failure(404, ErrorCodes.operationNotFound, "Operation not found", requestId);
      if (operation.outcome === null) {
        return {
          status: 202,
          body: { operationId, status: "assigning" },
          headers: { "retry-after": retryAfter, location },
        };
      }
      return {
        status: 200,
        body: {
          operationId,
          status: operation.outcome.status,
          registrationState: operation.outcome.registrationState,
        },
      };
    }
    case "status": {
      const lookup = parsed as { registrationId?: unknown } | null | undefined;
      if (
        lookup === null ||
        (lookup !== undefined && (typeof lookup !== "object" || Array.isArray(lookup)))
      ) {
        return failure(
          400,
          ErrorCodes.invalidRegistration,
          "The request body must be a JSON DeviceRegistration object",
          requestId,
        );
      }
      if (lookup?.registrationId !== undefined && lookup.registrationId !== registrationId) {
        return failure(
          400,
          ErrorCodes.invalidRegistration,
          "The body registrationId must equal the registration ID in the path",
          requestId,
        );
      }
      const record = state.store.get(registrationId);
      if (record === undefined)
        return failure(404, ErrorCodes.registrationNotFound, "Registration not found", requestId);
      return { status: 200, body: toRegistrationState(record) };
    }
  }
}

/** Serves one device API request, applying the configured faults and latency around the real answer. */
export function handleDeviceRequest(
  state: EmulatorState,
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  query: string,
  body: Buffer | null,
): Promise<void> {
  const route = matchDeviceRoute(request.method, path);
  return serveWithFaults(state, request, response, route.endpoint, body, (received, requestId) =>
    answerDeviceRequest(state, request, route, query, received, requestId),
  );
}
