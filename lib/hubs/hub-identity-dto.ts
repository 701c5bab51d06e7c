import type { HubIdentity } from "@/lib/iot-hub/service/wire";

/**
 * A device's identity in its assigned hub, as the device page shows it (never keys). `state` says
 * what could be learnt; every failure is a sentence for the page, not an error.
 */
export type HubIdentityViewDto =
  | { state: "no-hub" }
  | { state: "no-credentials"; hubHost: string }
  | {
      state: "found";
      hubHost: string;
      /** The registry's identity without its etags. */
      identity: Omit<HubIdentity, "etag" | "generationId">;
      readAt: string;
    }
  | { state: "not-found"; hubHost: string; deviceId: string; readAt: string }
  | { state: "failed"; hubHost: string; title: string; detail: string; nextStep: string };

export const AUTHENTICATION_TYPE_TEXT: Record<string, string> = {
  sas: "Symmetric key (SAS)",
  selfSigned: "X.509 self-signed",
  certificateAuthority: "X.509 CA-signed",
  none: "None",
};

/** Azure's own warning about connectionState, shown next to it. */
export const CONNECTION_STATE_CAVEAT =
  "As the hub reports it: Azure documents this as approximate and delayed (it may say Connected for a while after a device left). The hub status above, from our own check as the device, is the one to trust.";
