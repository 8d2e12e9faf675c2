/**
 * The export job state machine as the client sees it. The API documents created -> processing -> completed |
 * failed; any state we do not know is treated as still pending (a new intermediate state must not crash a
 * weekly job), and only `completed`/`failed` end the wait.
 */
export type JobPhase = 'pending' | 'completed' | 'failed'

export function jobPhase(state: string): JobPhase {
  const normalized = state.trim().toLowerCase()
  if (normalized === 'completed') return 'completed'
  if (normalized === 'failed') return 'failed'
  return 'pending'
}

export interface JobSnapshot {
  state: string
  downloadUrls: string[]
  errorReason?: string
}

/** What the orchestration does next for one job after a poll. */
export type JobOutcome =
  | {kind: 'wait'}
  | {kind: 'empty'}
  | {kind: 'download'; parts: number}
  | {kind: 'failed'; reason: string}

export function jobOutcome(job: JobSnapshot): JobOutcome {
  switch (jobPhase(job.state)) {
    case 'pending':
      return {kind: 'wait'}
    case 'failed':
      return {kind: 'failed', reason: job.errorReason?.trim() || 'no error_reason given'}
    case 'completed':
      // A completed job without links is the API's way of saying "no usage in this window".
      return job.downloadUrls.length === 0 ? {kind: 'empty'} : {kind: 'download', parts: job.downloadUrls.length}
  }
}
