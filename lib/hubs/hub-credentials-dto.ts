import type { HubRights } from "@/lib/iot-hub/service/registry-client";

/** Why a hub is listed on the Integration tab. */
export type HubSource = "enrollment-group" | "devices" | "saved";

/** A hub the enrollment group may use, and its saved credential as anyone may see it: never the key. */
export type HubCredentialRowDto = {
  hubHost: string;
  sources: HubSource[];
  /** Devices this app has on the hub. */
  deviceCount: number;
  credential: {
    policyName: string;
    /** As last probed; null when the probe could not run (see `rightsError`). */
    rights: HubRights | null;
    rightsCheckedAt: string | null;
    rightsError: string | null;
    savedAt: string;
    savedBy: string | null;
  } | null;
};

export type HubCredentialsDto = {
  hubs: HubCredentialRowDto[];
  /** Whether the enrollment group's linked hubs are known (a DPS service connection string reads them). */
  groupHubsKnown: boolean;
  canManage: boolean;
};

/** What each right is for, in the words the UI uses. */
export const HUB_RIGHT_TEXT: Record<keyof HubRights, { label: string; use: string }> = {
  registryRead: { label: "Registry read", use: "show a device's identity in the hub" },
  registryWrite: { label: "Registry write", use: "delete or disable identities in the hub" },
};

/** The least policy for each use, for the form's hint. */
export const LEAST_POLICY_HINT =
  "Use the least policy that does the job: registryRead to look at identities, registryReadWrite to delete or disable them. Azure portal → the IoT hub → Security settings → Shared access policies → the policy → Primary connection string.";
