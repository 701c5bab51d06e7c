/**
 * DPS failures as a compact text code (`kind:cause:httpStatus:dpsErrorCode`, trailing parts
 * omitted): the vocabulary the engine writes (integrations.last_failure_kind, the circuit) and the
 * integration explains. Here, below both, so the engine need not import the explanations.
 */

/** What identifies a failure: a DPS client failure kind (or a refused registration status) and its evidence. */
export type DpsFailureFacts = {
  /** A DPS client failure kind (`unauthorized`, `transient`, …) or a refused registration status (`failed`, `disabled`). */
  kind: string;
  /** For `transient` and `unreachable`: timeout, reset, http-5xx, malformed, network, dns, tls, refused, no-route. */
  cause?: string | null;
  httpStatus?: number | null;
  dpsErrorCode?: number | null;
};

export function dpsFailureCode(facts: DpsFailureFacts): string {
  const parts = [facts.kind, facts.cause ?? "", facts.httpStatus ?? "", facts.dpsErrorCode ?? ""].map(String);
  while (parts.length > 1 && parts.at(-1) === "") parts.pop();
  return parts.join(":");
}

export function parseDpsFailureCode(code: string): DpsFailureFacts {
  const [kind = "", cause, httpStatus, dpsErrorCode] = code.split(":");
  const number = (text: string | undefined) => (text && /^\d+$/.test(text) ? Number(text) : null);
  return { kind, cause: cause || null, httpStatus: number(httpStatus), dpsErrorCode: number(dpsErrorCode) };
}
