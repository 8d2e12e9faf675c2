import {NONE_LABEL, type BreakdownRow} from '../analysis/build.js'
import type {HealthJob} from '../analysis/summary.js'
import {breakdownHeader, breakdownRecord, mapLazily, writeCsvAtomic} from './csv.js'

/**
 * by-job.csv when the health section is on: every row of the job breakdown (the columns `--group-by job` has
 * always written, first and unchanged), then the job's health figures. Job-less rows ("(no job)") have empty
 * health cells; so does a figure that is null in summary.json (never 0 for "no value").
 */
export const JOB_HEALTH_COLUMNS: [header: string, value: (job: HealthJob) => number | null][] = [
  ['runs', (job) => job.runs],
  ['successful_runs', (job) => job.successfulRuns],
  ['failed_runs', (job) => job.failedRuns],
  ['canceled_runs', (job) => job.canceledRuns],
  ['success_rate', (job) => job.successRate],
  ['duration_p50_s', (job) => job.durationP50Seconds],
  ['duration_p95_s', (job) => job.durationP95Seconds],
  ['queue_p50_s', (job) => job.queueP50Seconds],
  ['queue_p95_s', (job) => job.queueP95Seconds],
  ['credits_per_successful_run', (job) => job.creditsPerSuccessfulRun],
  ['cpu_median_pct', (job) => job.cpuMedianPct],
  ['ram_median_pct', (job) => job.ramMedianPct],
  ['canceled_credits', (job) => job.canceledCredits],
  ['rerun_credits', (job) => job.rerunCredits],
]

function jobKey(org: string | null | undefined, project: string | null | undefined, workflow: string | null | undefined, job: string | null | undefined): string {
  return JSON.stringify([org ?? null, project ?? NONE_LABEL, workflow ?? null, job ?? null])
}

export function jobHealthHeader(withDollars: boolean): string[] {
  return [...breakdownHeader('job', withDollars), ...JOB_HEALTH_COLUMNS.map(([header]) => header)]
}

export function jobHealthRecords(rows: readonly BreakdownRow[], jobs: readonly HealthJob[], withDollars: boolean): Generator<(string | number)[]> {
  const byKey = new Map(jobs.map((job) => [jobKey(job.org, job.project, job.workflow, job.job), job]))
  return mapLazily(rows, (row) => {
    const job = byKey.get(jobKey(row.dims.org, row.dims.project, row.dims.workflow, row.dims.job))
    return [...breakdownRecord('job', row, withDollars), ...JOB_HEALTH_COLUMNS.map(([, value]) => (job ? (value(job) ?? '') : ''))]
  })
}

export async function writeJobHealthCsv(path: string, rows: readonly BreakdownRow[], jobs: readonly HealthJob[], withDollars: boolean): Promise<void> {
  await writeCsvAtomic(path, jobHealthHeader(withDollars), jobHealthRecords(rows, jobs, withDollars))
}
