import type { EnrollmentGroupSummary, ProbedRights } from "@/lib/dps/service/probe";
import type { DpsErrorExplanation } from "./explain-dps-error";

/** What a connection test tells the Connect dialog and the tile (types only: safe in the browser bundle). */

/** The service connection string's part of a connection test. */
export type ServiceTestDto = {
  accepted: boolean;
  explanation: DpsErrorExplanation;
  rights: ProbedRights;
  enrollmentGroupId: string | null;
  enrollmentGroup: EnrollmentGroupSummary | null;
  groupProblem: { title: string; nextStep: string } | null;
};

export type ConnectionTestDto = {
  /** DPS accepted the ID Scope and the enrollment group key (the device API). */
  accepted: boolean;
  explanation: DpsErrorExplanation;
  keyUsed: "primary" | "secondary";
  /** Null when no service connection string was tested. */
  service: ServiceTestDto | null;
  /** True when the stored configuration was tested, so the result also went to the tile. */
  recordedOnTile: boolean;
};
