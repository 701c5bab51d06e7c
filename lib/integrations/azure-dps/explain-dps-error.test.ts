import { describe, expect, it } from "vitest";
import { dpsFailureCode, parseDpsFailureCode } from "@/lib/dps/failure-code";
import { explainDpsError } from "./explain-dps-error";

const title = (facts: Parameters<typeof explainDpsError>[0]) => explainDpsError(facts).title;

describe("explainDpsError", () => {
  it("explains 401/401002 as a wrong or rotated key or a wrong ID Scope, with the rotation tip", () => {
    const explanation = explainDpsError({ kind: "unauthorized", httpStatus: 401, dpsErrorCode: 401002 });
    expect(explanation.title).toBe("DPS rejected the ID Scope or the key");
    expect(explanation.detail).toMatch(
      /wrong or was regenerated \(rotated\).*ID Scope belongs to another DPS instance/,
    );
    expect(explanation.nextStep).toMatch(/Primary Key of the symmetric-key enrollment group/);
    expect(explanation.nextStep).toMatch(/new key as the Secondary key/);
  });

  it("explains 404 as a missing ID Scope, DPS instance or registration", () => {
    expect(explainDpsError({ kind: "not-found", httpStatus: 404, dpsErrorCode: 404201 }).detail).toMatch(
      /DPS instance for this ID Scope, or the device's registration, does not exist/,
    );
  });

  it("explains 429 as throttling that is retried, with the registrations-per-minute advice", () => {
    const explanation = explainDpsError({ kind: "throttled", httpStatus: 429 });
    expect(explanation.title).toBe("DPS is throttling requests");
    expect(explanation.nextStep).toMatch(/retried automatically.*lower Registrations per minute/);
  });

  it("explains 400207 as a failed custom allocation webhook, whatever the kind", () => {
    for (const kind of ["bad-request", "failed"]) {
      const explanation = explainDpsError({ kind, httpStatus: 400, dpsErrorCode: 400207 });
      expect(explanation.title).toBe("The custom allocation webhook failed");
      expect(explanation.nextStep).toMatch(/Azure Function/);
    }
  });

  it("explains 400004 as an invalid registration ID", () => {
    expect(title({ kind: "bad-request", httpStatus: 400, dpsErrorCode: 400004 })).toBe(
      "DPS refused the registration ID",
    );
  });

  it("explains 5xx as a DPS internal error that is retried", () => {
    const explanation = explainDpsError({ kind: "transient", cause: "http-5xx", httpStatus: 503 });
    expect(explanation.title).toBe("DPS had an internal error");
    expect(explanation.detail).toContain("HTTP 503");
    expect(explanation.nextStep).toMatch(/retried automatically/);
  });

  it("explains each network failure with its own next step", () => {
    expect(explainDpsError({ kind: "unreachable", cause: "dns" })).toMatchObject({
      title: "Host not found",
      nextStep: expect.stringMatching(/Check the Device Provisioning Service hostname/),
    });
    expect(explainDpsError({ kind: "unreachable", cause: "tls" }).nextStep).toMatch(/HIC_DPS_CA_FILE/);
    expect(title({ kind: "unreachable", cause: "refused" })).toBe("Connection refused");
    expect(title({ kind: "unreachable", cause: "no-route" })).toBe("No network route to DPS");
    expect(title({ kind: "transient", cause: "timeout" })).toBe("DPS did not answer in time");
    expect(title({ kind: "transient", cause: "reset" })).toBe("The connection to DPS was interrupted");
    expect(title({ kind: "transient", cause: "malformed" })).toBe(
      "DPS sent an answer that could not be understood",
    );
    expect(title({ kind: "transient", cause: "network" })).toBe(
      "A network error interrupted the call to DPS",
    );
  });

  it("explains a disabled enrollment group with how to enable it", () => {
    expect(explainDpsError({ kind: "disabled" })).toMatchObject({
      title: "The enrollment group is disabled in DPS",
      nextStep: expect.stringMatching(/Azure portal.*Enabled/),
    });
    expect(title({ kind: "failed" })).toBe("DPS could not assign the device to an IoT hub");
  });

  it("covers every other client failure kind and unknown ones", () => {
    expect(title({ kind: "aborted" })).toBe("The call to DPS was cancelled");
    expect(title({ kind: "bad-request", httpStatus: 403 })).toBe("DPS refused access");
    expect(title({ kind: "bad-request", httpStatus: 302 })).toBe("DPS answered with a redirect");
    expect(title({ kind: "bad-request", httpStatus: 412 })).toBe("DPS reported a conflicting change");
    expect(title({ kind: "bad-request", httpStatus: 400 })).toBe("DPS refused the request as invalid");
    expect(title({ kind: "something-new" })).toBe("The call to DPS failed");
  });

  it("quotes what DPS said in the detail, bounded", () => {
    expect(explainDpsError({ kind: "unauthorized", message: "Unauthorized" }).detail).toMatch(
      /Details: Unauthorized$/,
    );
    expect(explainDpsError({ kind: "unauthorized", message: "x".repeat(1000) }).detail.length).toBeLessThan(
      700,
    );
  });
});

describe("failure codes", () => {
  it("round-trip kind, cause, HTTP status and DPS error code through one text column", () => {
    const facts = { kind: "transient", cause: "http-5xx", httpStatus: 503, dpsErrorCode: 503000 };
    expect(dpsFailureCode(facts)).toBe("transient:http-5xx:503:503000");
    expect(parseDpsFailureCode(dpsFailureCode(facts))).toEqual(facts);
    expect(dpsFailureCode({ kind: "unreachable", cause: "dns" })).toBe("unreachable:dns");
    expect(dpsFailureCode({ kind: "unauthorized", httpStatus: 401, dpsErrorCode: 401002 })).toBe(
      "unauthorized::401:401002",
    );
    expect(parseDpsFailureCode("throttled")).toEqual({
      kind: "throttled",
      cause: null,
      httpStatus: null,
      dpsErrorCode: null,
    });
  });
});
