/**
 * What every run that reads Azure in the background (a registration reconciliation, a hub drift
 * check) shows of itself, from its row: who asked, when it was asked for, started and finished,
 * how often it was resumed, and why it failed or waits.
 */
export type RunRecordBasics<Status extends string> = {
  id: number;
  status: Status;
  requested_by_email: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  resumes: number;
  failure_message: string | null;
};

export type RunBasicsDto<Status extends string> = {
  id: number;
  status: Status;
  requestedBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Times the run was picked up again after an interruption. */
  resumes: number;
  /** Why it failed, or (while queued again) why it waits. */
  problem: string | null;
};

export function runBasicsDto<Status extends string>(row: RunRecordBasics<Status>): RunBasicsDto<Status> {
  return {
    id: row.id,
    status: row.status,
    requestedBy: row.requested_by_email,
    createdAt: row.created_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    resumes: row.resumes,
    problem: row.failure_message,
  };
}
