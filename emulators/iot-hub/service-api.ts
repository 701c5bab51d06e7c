import type { IncomingMessage, ServerResponse } from "node:http";

import { HubOperationError, isValidDeviceId, type IotHubState } from "./hub-state";
import { isPlainObject, toDeviceWire, toTwinWire, type IdentityStatus } from "./identity";
import { matches, parseQuery, QuerySyntaxError } from "./query";
import { HubErrors, twinEtag } from "./wire";
import { authorize, fail, json, requireRight, type ServiceAnswer } from "./service-auth";

export type { ServiceAnswer } from "./service-auth";

const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;
const MAX_METHOD_TIMEOUT_S = 300;

function operationError(state: IotHubState, error: unknown, deviceId: string): ServiceAnswer {
  if (!(error instanceof HubOperationError)) throw error;
  switch (error.kind) {
    case "notFound":
      return fail(state, HubErrors.deviceNotFound, `Device ${deviceId} not found`);
    case "conflict":
      return fail(state, HubErrors.deviceAlreadyExists, error.message);
    case "precondition":
      return fail(state, HubErrors.preconditionFailed, error.message);
    default:
      return fail(state, HubErrors.argumentInvalid, error.message);
  }
}

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

export function encodeContinuation(lastKey: string): string {
  return Buffer.from(lastKey, "utf8").toString("base64url");
}

export function decodeContinuation(token: string): string | null {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(token)) return null;
  return Buffer.from(token, "base64url").toString("utf8");
}

/** The identity registry and twin REST API (`api-version=2021-04-12`), see docs/iot-hub-protocol.md. */
export async function handleServiceRequest(
  state: IotHubState,
  request: IncomingMessage,
  path: string,
  body: unknown,
): Promise<ServiceAnswer> {
  const method = request.method ?? "GET";
  const auth = authorize(state, request);
  if (!auth.ok) return auth.answer;
  const hub = auth.hub;
  state.counters(hub).serviceRequests += 1;
  const switches = state.switches(hub);
  if (!switches.online)
    return switches.offlineMode === "unreachable"
      ? { status: 0, drop: true }
      : fail(state, HubErrors.hubUnavailable, `IoT hub ${hub} is unavailable`);
  if (switches.throttled)
    return fail(state, HubErrors.throttled, "Request was throttled: the hub is over its operation rate");

  const ifMatch = typeof request.headers["if-match"] === "string" ? request.headers["if-match"] : undefined;
  const segments = path.split("/").slice(1);

  if (path === "/devices/query" && method === "POST") {
    const denied = requireRight(state, auth, "RegistryRead", "ServiceConnect");
    if (denied) return denied;
    return queryDevices(state, hub, request, body);
  }

  if (segments[0] === "devices" && segments.length === 2) {
    const deviceId = decode(segments[1]!);
    if (deviceId === null || !isValidDeviceId(deviceId))
      return fail(state, HubErrors.argumentInvalid, `'${segments[1]}' is not a valid device ID`);
    if (method === "GET") {
      const denied = requireRight(state, auth, "RegistryRead");
      if (denied) return denied;
      const identity = state.getIdentity(hub, deviceId);
      if (identity === undefined)
        return fail(state, HubErrors.deviceNotFound, `Device ${deviceId} not found`);
      return json(200, toDeviceWire(identity), { etag: `"${identity.etag}"` });
    }
    if (method === "PUT") {
      const denied = requireRight(state, auth, "RegistryWrite");
      if (denied) return denied;
      if (!isPlainObject(body))
        return fail(state, HubErrors.argumentInvalid, "The body must be a device identity (JSON object)");
      if (typeof body.deviceId === "string" && body.deviceId.toLowerCase() !== deviceId.toLowerCase())
        return fail(
          state,
          HubErrors.argumentInvalid,
          "The deviceId in the body differs from the one in the path",
        );
      const status = body.status;
      if (status !== undefined && status !== "enabled" && status !== "disabled")
        return fail(state, HubErrors.argumentInvalid, "status must be enabled or disabled");
      const authentication = isPlainObject(body.authentication) ? body.authentication : undefined;
      if (authentication?.type !== undefined && authentication.type !== "sas")
        return fail(
          state,
          HubErrors.argumentInvalid,
          "The emulator's identities use symmetric keys (authentication.type sas)",
        );
      try {
        const { identity } = state.putIdentity(
          hub,
          deviceId,
          {
            status: status as IdentityStatus | undefined,
            statusReason: typeof body.statusReason === "string" ? body.statusReason : undefined,
            authentication: authentication as never,
          },
          ifMatch,
        );
        return json(200, toDeviceWire(identity), { etag: `"${identity.etag}"` });
      } catch (error) {
        return operationError(state, error, deviceId);
      }
    }
    if (method === "DELETE") {
      const denied = requireRight(state, auth, "RegistryWrite");
      if (denied) return denied;
      try {
        state.deleteIdentity(hub, deviceId, ifMatch);
        return { status: 204 };
      } catch (error) {
        return operationError(state, error, deviceId);
      }
    }
  }

  if (
    segments[0] === "twins" &&
    (segments.length === 2 || (segments.length === 3 && segments[2] === "methods"))
  ) {
    const deviceId = decode(segments[1]!);
    if (deviceId === null || !isValidDeviceId(deviceId))
      return fail(state, HubErrors.argumentInvalid, `'${segments[1]}' is not a valid device ID`);
    if (segments.length === 3 && method === "POST") {
      const denied = requireRight(state, auth, "ServiceConnect");
      if (denied) return denied;
      return invokeMethod(state, hub, deviceId, body);
    }
    if (segments.length === 2 && method === "GET") {
      const denied = requireRight(state, auth, "RegistryRead", "ServiceConnect");
      if (denied) return denied;
      const identity = state.getIdentity(hub, deviceId);
      if (identity === undefined)
        return fail(state, HubErrors.deviceNotFound, `Device ${deviceId} not found`);
      return json(200, toTwinWire(identity), { etag: `"${twinEtag(identity.twin.version)}"` });
    }
    if (segments.length === 2 && method === "PATCH") {
      const denied = requireRight(state, auth, "ServiceConnect");
      if (denied) return denied;
      if (!isPlainObject(body))
        return fail(state, HubErrors.argumentInvalid, "The body must be a twin patch (JSON object)");
      const properties = isPlainObject(body.properties) ? body.properties : {};
      if (isPlainObject(properties.reported))
        return fail(
          state,
          HubErrors.argumentInvalid,
          "Reported properties are the device's: the service may not patch them",
        );
      const tags = body.tags === undefined ? undefined : isPlainObject(body.tags) ? body.tags : null;
      const desired =
        properties.desired === undefined
          ? undefined
          : isPlainObject(properties.desired)
            ? properties.desired
            : null;
      if (tags === null || desired === null)
        return fail(state, HubErrors.argumentInvalid, "tags and properties.desired must be JSON objects");
      try {
        const identity = state.patchTwin(hub, deviceId, { tags, desired }, ifMatch);
        return json(200, toTwinWire(identity), { etag: `"${twinEtag(identity.twin.version)}"` });
      } catch (error) {
        return operationError(state, error, deviceId);
      }
    }
  }
  return fail(state, HubErrors.argumentInvalid, `No route for ${method} ${path}`);
}

function queryDevices(
  state: IotHubState,
  hub: string,
  request: IncomingMessage,
  body: unknown,
): ServiceAnswer {
  const text = isPlainObject(body) && typeof body.query === "string" ? body.query : null;
  if (text === null) return fail(state, HubErrors.argumentInvalid, 'The body must be {"query": "SELECT …"}');
  let query;
  try {
    query = parseQuery(text);
  } catch (error) {
    if (error instanceof QuerySyntaxError) return fail(state, HubErrors.argumentInvalid, error.message);
    throw error;
  }
  const sizeHeader = request.headers["x-ms-max-item-count"];
  const size = sizeHeader === undefined ? DEFAULT_PAGE : Number(sizeHeader);
  if (!Number.isInteger(size) || size < 1)
    return fail(state, HubErrors.argumentInvalid, "x-ms-max-item-count must be a whole number of at least 1");
  const pageSize = Math.min(size, MAX_PAGE);
  const continuation = request.headers["x-ms-continuation"];
  let after: string | null = null;
  if (typeof continuation === "string" && continuation !== "") {
    after = decodeContinuation(continuation);
    if (after === null)
      return fail(state, HubErrors.argumentInvalid, "x-ms-continuation is not a token this hub issued");
  }
  const identities = state
    .listIdentities(hub)
    .sort((a, b) => (a.deviceId.toLowerCase() < b.deviceId.toLowerCase() ? -1 : 1));
  const page = [];
  let more = false;
  for (const identity of identities) {
    const key = identity.deviceId.toLowerCase();
    if (after !== null && key <= after) continue;
    const twin = toTwinWire(identity);
    if (!matches(query, twin)) continue;
    if (page.length === pageSize) {
      more = true;
      break;
    }
    page.push(twin);
  }
  const last = page.at(-1);
  return json(200, page, {
    "x-ms-item-type": "Twin",
    ...(more && last ? { "x-ms-continuation": encodeContinuation(last.deviceId.toLowerCase()) } : {}),
  });
}

async function invokeMethod(
  state: IotHubState,
  hub: string,
  deviceId: string,
  body: unknown,
): Promise<ServiceAnswer> {
  if (!isPlainObject(body) || typeof body.methodName !== "string" || body.methodName === "")
    return fail(state, HubErrors.argumentInvalid, "The body must name the method (methodName)");
  const timeout = body.responseTimeoutInSeconds ?? 30;
  if (typeof timeout !== "number" || timeout < 5 || timeout > MAX_METHOD_TIMEOUT_S)
    return fail(state, HubErrors.argumentInvalid, "responseTimeoutInSeconds must be 5 to 300");
  if (state.getIdentity(hub, deviceId) === undefined)
    return fail(state, HubErrors.deviceNotFound, `Device ${deviceId} not found`);
  const answer = await state.invokeMethod(hub, deviceId, body.methodName, body.payload, timeout * 1000);
  if (answer === null) return fail(state, HubErrors.deviceNotOnline, `Device ${deviceId} is not online`);
  if (answer === "timeout")
    return fail(
      state,
      HubErrors.gatewayTimeout,
      `Timed out waiting for the response from device ${deviceId}`,
    );
  return json(200, { status: answer.status, payload: answer.payload });
}

export function writeServiceAnswer(response: ServerResponse, answer: ServiceAnswer): void {
  if (response.headersSent || response.destroyed) return;
  if (answer.drop) {
    response.socket?.destroy();
    return;
  }
  const headers: Record<string, string> = { ...answer.headers };
  if (answer.body !== undefined) {
    headers["content-type"] = "application/json; charset=utf-8";
    headers["content-length"] = String(Buffer.byteLength(answer.body));
  }
  response.writeHead(answer.status, headers);
  response.end(answer.body);
}
