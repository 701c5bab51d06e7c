import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

import type { Endpoint } from "./counters";
import type { EmulatorState } from "./emulator-state";
import { drawFault, truncateBody } from "./faults";
import { writeJson } from "./http-io";
import { ErrorCodes, errorBody } from "./wire-format";

/** One DPS answer; `body: undefined` is an empty body (a 204). */
export type Answer = { status: number; body: unknown; headers?: Record<string, string> };

export function failure(
  status: number,
  errorCode: number,
  message: string,
  requestId: string,
  headers?: Record<string, string>,
): Answer {
  return {
    status,
    body: errorBody(errorCode, message, requestId),
    headers: { ...headers, "x-ms-error-code": String(errorCode) },
  };
}

/**
 * Serves one DPS request (device or service API), applying the configured faults and latency around
 * the real answer, and counts it under its endpoint.
 */
export async function serveWithFaults(
  state: EmulatorState,
  request: IncomingMessage,
  response: ServerResponse,
  endpoint: Endpoint,
  body: Buffer | null,
  answer: (body: Buffer, requestId: string) => Answer,
): Promise<void> {
  const { faults } = state.config;
  if (faults.extraLatencyMs > 0) {
    await sleep(faults.extraLatencyMs);
    if (response.destroyed) return;
  }
  if (faults.unreachable) {
    state.counters.countOutageDrop();
    request.socket.destroy();
    return;
  }
  const requestId = randomUUID();
  const fault = drawFault(faults, state.random);
  let result: Answer;
  if (fault.kind === "reset") {
    state.counters.countReset();
    request.socket.destroy();
    return;
  } else if (fault.kind === "server-error") {
    result =
      fault.status === 500
        ? failure(
            500,
            ErrorCodes.internalError,
            "Internal server error (injected by the emulator)",
            requestId,
          )
        : failure(
            503,
            ErrorCodes.serviceUnavailable,
            "Service unavailable (injected by the emulator)",
            requestId,
            { "retry-after": "1" },
          );
  } else if (fault.kind === "throttled") {
    result = failure(429, ErrorCodes.throttled, "Too many requests (injected by the emulator)", requestId, {
      "retry-after": "1",
    });
  } else if (body === null) {
    result = failure(413, ErrorCodes.bodyTooLarge, "The request body exceeds 96 KB", requestId);
  } else {
    result = answer(body, requestId);
  }
  let text = result.body === undefined ? "" : JSON.stringify(result.body);
  // The fault models a success lost in transit; error answers stay readable so tests can tell the two apart.
  if (fault.kind === "malformed" && result.status < 300 && text !== "") text = truncateBody(text);
  state.counters.count(endpoint, result.status, fault.kind === "throttled");
  writeJson(response, result.status, text, { ...result.headers, "x-ms-request-id": requestId });
}
