import {CSV_NULL, USAGE_COLUMNS, type UsageColumn} from '../core/usage-columns.js'
// demo-data.ts calls this module; its timestamp helpers are only used inside calls, so the cycle is harmless.
import {formatTimestamp as format, parseExportTimestamp} from './demo-data.js'
import {seededRandom, stableUuid} from './random.js'

/**
 * Reruns for the demo: some failed workflows are run again ("rerun from failed") in the same pipeline, as the
 * real export shows them: the same PIPELINE_ID and WORKFLOW_NAME, a new WORKFLOW_ID, the failed job run again
 * (and passing) after the first attempt stopped. Its own random stream, so the rest of the demo data is the
 * same with or without it.
 */
export const RERUN_SHARE = 0.4

const index = (column: UsageColumn): number => USAGE_COLUMNS.indexOf(column)
const TIMESTAMPS = (['WORKFLOW_FIRST_JOB_QUEUED_AT', 'WORKFLOW_FIRST_JOB_STARTED_AT', 'JOB_RUN_QUEUED_AT', 'JOB_RUN_STARTED_AT', 'JOB_RUN_STOPPED_AT'] as const).map(index)

export interface RerunContext {
  seed: number
  date: string
  pipelineIndex: number
  /** The rerun must start and stop before the day ends (the demo places every job of a day on that day). */
  dayEndMs: number
}

/** The rows of a rerun attempt of this pipeline's workflow, or none (not failed, not rerun, or no room left in the day). */
export function rerunOfFailedWorkflow(attempt: readonly string[][], context: RerunContext): string[][] {
  const failed = attempt.find((values) => values[index('JOB_BUILD_STATUS')] === 'failed')
  const stoppedAt = attempt[0]?.[index('WORKFLOW_STOPPED_AT')]
  if (!failed || !stoppedAt || stoppedAt === CSV_NULL) return []
  const random = seededRandom('demo-rerun', context.seed, context.date, context.pipelineIndex)
  if (!random.chance(RERUN_SHARE)) return []
  const firstQueuedMs = parse(failed[index('JOB_RUN_QUEUED_AT')])
  const jobStoppedMs = parse(failed[index('JOB_RUN_STOPPED_AT')])
  // Someone notices the failure and reruns it a few minutes after the first attempt stopped.
  const shiftMs = parse(stoppedAt) + random.int(2, 20) * 60_000 - firstQueuedMs
  const rerunStoppedMs = jobStoppedMs + shiftMs
  if (!Number.isFinite(shiftMs) || rerunStoppedMs + 5_000 >= context.dayEndMs) return []

  const values = [...failed]
  for (const column of TIMESTAMPS) values[column] = format(parse(failed[column]) + shiftMs)
  values[index('WORKFLOW_FIRST_JOB_QUEUED_AT')] = format(firstQueuedMs + shiftMs)
  values[index('WORKFLOW_FIRST_JOB_STARTED_AT')] = format(firstQueuedMs + shiftMs + 1_000)
  values[index('WORKFLOW_STOPPED_AT')] = format(rerunStoppedMs + 2_000)
  values[index('WORKFLOW_ID')] = stableUuid('demo-workflow-rerun', context.seed, context.date, context.pipelineIndex)
  values[index('JOB_ID')] = stableUuid('demo-job-rerun', context.seed, context.date, context.pipelineIndex)
  values[index('JOB_RUN_NUMBER')] = String(Number(failed[index('JOB_RUN_NUMBER')]) + 1_000_000)
  values[index('JOB_BUILD_STATUS')] = 'success'
  values[index('IS_WORKFLOW_SUCCESSFUL')] = 'true'
  return [values]
}

function parse(text: string | undefined): number {
  return text === undefined || text === CSV_NULL ? Number.NaN : parseExportTimestamp(text)
}
