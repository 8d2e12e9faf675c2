import {NONE_LABEL, type BreakdownRow} from '../analysis/build.js'
import type {HealthJob} from '../analysis/summary.js'
import {breakdownHeader, breakdownRecord, mapLazily, writeCsvAtomic} from './csv.js'

/**
 * by-job.csv when the health section is on: every row of the job breakdown (the columns `--group-by job` has
 * always written, first and unchanged), then the job's health figures. Job-less rows (an empty job cell) have
 * empty health cells; so does a figure that is null in summary.json (never 0 for "no value").
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

type JobIndex = Map<string | null, Map<string, Map<string | null, Map<string | null, HealthJob>>>>

/**
 * Jobs by org, project, workflow and job, as nested maps: with a JSON key per job and per row (and two spread
 * arrays per record) the file took 80-107 ms on the 1 GB bench (5,130 jobs), now 52-57 ms. Missing names are
 * matched as the job breakdown names them: no project is NONE_LABEL, the others null. A repeated job keeps the
 * last one, as a Map of JSON keys did.
 */
function indexJobs(jobs: readonly HealthJob[]): JobIndex {
  const index: JobIndex = new Map()
  for (const job of jobs) {
    const org = job.org ?? null
    const project = job.project ?? NONE_LABEL
    const byProject = index.get(org) ?? index.set(org, new Map()).get(org)!
    const byWorkflow = byProject.get(project) ?? byProject.set(project, new Map()).get(project)!
    const workflow = job.workflow ?? null
    const byJob = byWorkflow.get(workflow) ?? byWorkflow.set(workflow, new Map()).get(workflow)!
    byJob.set(job.job ?? null, job)
  }
  return index
}

function findJob(index: JobIndex, dims: BreakdownRow['dims']): HealthJob | undefined {
  return index
    .get(dims.org ?? null)
    ?.get(dims.project ?? NONE_LABEL)
    ?.get(dims.workflow ?? null)
    ?.get(dims.job ?? null)
}

export function jobHealthHeader(withDollars: boolean): string[] {
  return [...breakdownHeader('job', withDollars), ...JOB_HEALTH_COLUMNS.map(([header]) => header)]
}

export function jobHealthRecords(rows: readonly BreakdownRow[], jobs: readonly HealthJob[], withDollars: boolean): Generator<(string | number)[]> {
  const index = indexJobs(jobs)
  return mapLazily(rows, (row) => {
    const job = findJob(index, row.dims)
    const record = breakdownRecord('job', row, withDollars)
    for (const [, value] of JOB_HEALTH_COLUMNS) record.push(job ? (value(job) ?? '') : '')
    return record
  })
}

export async function writeJobHealthCsv(path: string, rows: readonly BreakdownRow[], jobs: readonly HealthJob[], withDollars: boolean): Promise<void> {
  await writeCsvAtomic(path, jobHealthHeader(withDollars), jobHealthRecords(rows, jobs, withDollars))
}
