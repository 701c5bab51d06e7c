import type {
  DeviceFacts,
  IdentityFacts,
  LiveFacts,
  RecordFacts,
  TroubleshootStep,
  TroubleshootVerdict,
} from "./diagnose";

/** What the troubleshooter answers, for the page and the bundle: no key, no connection string. */
export type TroubleshootReportDto = {
  deviceId: number;
  checkedAt: string;
  device: DeviceFacts;
  keyFingerprints: { primary: string; secondary: string | null } | null;
  record: RecordFacts;
  identity: IdentityFacts;
  live: LiveFacts;
  steps: TroubleshootStep[];
  verdict: TroubleshootVerdict;
};
