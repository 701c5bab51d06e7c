/**
 * Plain-language explanations of DPS call failures, for the integration tile, the connection test
 * and the devices page. Pure (no I/O, no server-only): safe in client and server components alike.
 */
import type { DpsFailureFacts } from "@/lib/dps/failure-code";

export type DpsErrorFacts = DpsFailureFacts & {
  /** What DPS (or the network stack) said; shown as a detail, never trusted to be friendly. */
  message?: string | null;
};

export type DpsErrorExplanation = { title: string; detail: string; nextStep: string };

const MAX_QUOTED_MESSAGE = 300;

const ROTATION_TIP =
  "When rotating keys, save the new key as the Secondary key first (under Advanced), then make it the primary.";

function explain(facts: DpsErrorFacts): DpsErrorExplanation {
  const { kind, cause, httpStatus, dpsErrorCode } = facts;
  const status = httpStatus ? ` (HTTP ${httpStatus}${dpsErrorCode ? `, error ${dpsErrorCode}` : ""})` : "";

  if (dpsErrorCode === 400207) {
    return {
      title: "The custom allocation webhook failed",
      detail: `DPS called the enrollment group's custom allocation webhook (an Azure Function) and it failed or returned an unusable answer${status}.`,
      nextStep:
        "Check the Azure Function behind the enrollment group's custom allocation policy: its logs, that it is running, and that it returns an IoT hub linked to this DPS instance.",
    };
  }
  if (dpsErrorCode === 400004) {
    return {
      title: "DPS refused the registration ID",
      detail: `DPS answered "Invalid RegistrationId"${status}. A registration ID may use letters, digits and - . _ : (at most 128 characters); some DPS versions refuse upper-case letters.`,
      nextStep:
        "Use a lower-case registration ID made of letters, digits and - . _ : and provision the device again.",
    };
  }

  switch (kind) {
    case "unauthorized":
      return {
        title: "DPS rejected the ID Scope or the key",
        detail: `DPS answered 401 Unauthorized${dpsErrorCode ? ` (error ${dpsErrorCode})` : ""}: the enrollment group key is wrong or was regenerated (rotated) in Azure, or the ID Scope belongs to another DPS instance.`,
        nextStep: `In the Azure portal, compare the DPS instance's ID Scope (Overview) and the Primary Key of the symmetric-key enrollment group (Manage enrollments) with the values saved here. ${ROTATION_TIP}`,
      };
    case "not-found":
      return {
        title: "DPS did not find the ID Scope or the registration",
        detail: `DPS answered 404 Not Found${dpsErrorCode ? ` (error ${dpsErrorCode})` : ""}: the DPS instance for this ID Scope, or the device's registration, does not exist (it may have been deleted).`,
        nextStep:
          "Check the ID Scope and the hostname against the DPS instance's Overview page in the Azure portal. If the registration was deleted in Azure, provision the device again.",
      };
    case "bad-request":
      return explainBadRequest(httpStatus ?? null, dpsErrorCode ?? null, status);
    case "throttled":
      return {
        title: "DPS is throttling requests",
        detail:
          "DPS answered 429 Too Many Requests: this DPS instance received more requests than its quota allows.",
        nextStep:
          "Nothing to do for a single occurrence: the request is retried automatically after the pause DPS asks for. If it keeps happening, lower Registrations per minute (Connect dialog → Advanced) below the DPS quota, or add units to the DPS instance.",
      };
    case "transient":
      return explainTransient(cause ?? null, httpStatus ?? null, status);
    case "unreachable":
      return explainUnreachable(cause ?? null);
    case "aborted":
      return {
        title: "The call to DPS was cancelled",
        detail: "The request was stopped before DPS answered, for example because the app was shutting down.",
        nextStep: "Try again. Provisioning resumes by itself when the app is running.",
      };
    case "disabled":
      return {
        title: "The enrollment group is disabled in DPS",
        detail:
          "DPS refused the device because its enrollment group, or its individual registration, is disabled.",
        nextStep:
          "In the Azure portal, open the DPS instance → Manage enrollments → the enrollment group, set it to Enabled and save, then provision the device again.",
      };
    case "failed":
      return {
        title: "DPS could not assign the device to an IoT hub",
        detail: `DPS finished the registration with status "failed"${dpsErrorCode ? ` (error ${dpsErrorCode})` : ""}.`,
        nextStep:
          "Check the enrollment group's linked IoT hubs and allocation policy in the Azure portal (a linked hub must exist and be reachable), then provision the device again.",
      };
    default:
      return {
        title: "The call to DPS failed",
        detail: `The call ended with "${kind}"${status}.`,
        nextStep:
          "Try again; if it keeps failing, check the server log and the DPS instance in the Azure portal.",
      };
  }
}

function explainBadRequest(
  httpStatus: number | null,
  dpsErrorCode: number | null,
  status: string,
): DpsErrorExplanation {
  if (httpStatus === 403) {
    return {
      title: "DPS refused access",
      detail: `DPS answered 403 Forbidden${dpsErrorCode ? ` (error ${dpsErrorCode})` : ""}: the request was authenticated but not allowed, for example by an IP filter or disabled public network access.`,
      nextStep:
        "Check the DPS instance's Networking settings (IP filter rules, public network access) in the Azure portal.",
    };
  }
  if (httpStatus !== null && httpStatus >= 300 && httpStatus < 400) {
    return {
      title: "DPS answered with a redirect",
      detail: `The hostname answered with a redirect${status}, which a DPS endpoint never does.`,
      nextStep:
        "Check the Device Provisioning Service hostname: use global.azure-devices-provisioning.net or your instance's service endpoint, without a path.",
    };
  }
  if (httpStatus === 409 || httpStatus === 412) {
    return {
      title: "DPS reported a conflicting change",
      detail: `DPS refused the request because the registration changed at the same time${status}.`,
      nextStep: "Provision the device again; the next attempt uses the current state.",
    };
  }
  return {
    title: "DPS refused the request as invalid",
    detail: `DPS answered that the request was not valid${status}.`,
    nextStep:
      "Check the device's registration ID and payload. If it keeps happening, quote the error code and tracking ID to Azure support.",
  };
}

function explainTransient(
  cause: string | null,
  httpStatus: number | null,
  status: string,
): DpsErrorExplanation {
  switch (cause) {
    case "timeout":
      return {
        title: "DPS did not answer in time",
        detail: "The request to DPS timed out.",
        nextStep:
          "Retried automatically. If it keeps happening, check the network path to the DPS hostname (proxy, firewall) and the Azure status page.",
      };
    case "reset":
      return {
        title: "The connection to DPS was interrupted",
        detail: "The connection was closed or reset before DPS finished answering.",
        nextStep:
          "Retried automatically. If it keeps happening, check proxies or firewalls between this server and DPS.",
      };
    case "http-5xx":
      return {
        title: "DPS had an internal error",
        detail: `DPS answered with a server error${status || (httpStatus ? ` (HTTP ${httpStatus})` : "")}: the problem is on the DPS side.`,
        nextStep:
          "Nothing to change here: the request is retried automatically. If it lasts, check the Azure status page.",
      };
    case "malformed":
      return {
        title: "DPS sent an answer that could not be understood",
        detail: `The answer was not the JSON DPS sends${status}; a proxy or another service may be answering instead of DPS.`,
        nextStep:
          "Retried automatically. If it keeps happening, check that the hostname is the DPS endpoint and that no proxy rewrites the answers.",
      };
    default:
      return {
        title: "A network error interrupted the call to DPS",
        detail: "The request failed on the way to DPS without an answer.",
        nextStep:
          "Retried automatically. If it keeps happening, check this server's network connection and proxy settings.",
      };
  }
}

function explainUnreachable(cause: string | null): DpsErrorExplanation {
  switch (cause) {
    case "dns":
      return {
        title: "Host not found",
        detail:
          "The Device Provisioning Service hostname could not be resolved (DNS): no such host is known.",
        nextStep:
          "Check the Device Provisioning Service hostname for typos: for Azure it is global.azure-devices-provisioning.net. Check this server's DNS settings.",
      };
    case "tls":
      return {
        title: "The DPS server's certificate is not trusted",
        detail:
          "The secure (TLS) connection failed: the certificate the host presented is not trusted, has expired, or does not match the hostname.",
        nextStep:
          "Check that the hostname is the DPS endpoint. For a private certificate authority (a TLS-inspecting proxy, or a DPS emulator the app did not start itself), start the app with HIC_DPS_CA_FILE set to that CA's PEM file (trusted for DPS requests only; NODE_EXTRA_CA_CERTS works too, for the whole process).",
      };
    case "refused":
      return {
        title: "Connection refused",
        detail: "The host was found, but nothing accepts connections on that port.",
        nextStep:
          "Check the hostname and the port. For the local DPS emulator, check that it is running and on which port.",
      };
    case "no-route":
      return {
        title: "No network route to DPS",
        detail: "This server has no network route to the DPS host.",
        nextStep: "Check this server's network connection, firewall and proxy settings.",
      };
    default:
      return {
        title: "DPS could not be reached",
        detail: "The connection to the DPS host could not be made.",
        nextStep: "Check the hostname and this server's network connection.",
      };
  }
}

/** Explains a failed DPS call: a short title, what happened, and what to do about it. */
export function explainDpsError(facts: DpsErrorFacts): DpsErrorExplanation {
  const explanation = explain(facts);
  const message = facts.message?.trim();
  if (!message) return explanation;
  const quoted = message.length > MAX_QUOTED_MESSAGE ? `${message.slice(0, MAX_QUOTED_MESSAGE)}…` : message;
  return { ...explanation, detail: `${explanation.detail} Details: ${quoted}` };
}
