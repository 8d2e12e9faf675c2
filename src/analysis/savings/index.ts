import type {DuckDBConnection} from '@duckdb/node-api'

import {BadInputError} from '../../core/errors.js'
import {ORG_SQL, sqlIdent} from '../columns.js'
import {compareText} from '../../core/compare-text.js'
import {groupPasses, withPassMemory} from '../passes.js'
import {rowObjects} from '../result-rows.js'
import {FAILED_SQL, STARTED_SQL as STARTED} from '../status-sql.js'
import {type FailingJob, type RightsizingCandidate, type Savings, type Window} from '../summary.js'
import {buildTopOpportunities} from './opportunities.js'
import {DEFAULT_RATE_TABLE, type RateTable} from './rates.js'
import {DEFAULT_THRESHOLDS, classifyGroup, isBusy, isMeasured, type GroupStats, type Thresholds} from './rules.js'

export {DEFAULT_THRESHOLDS, classifyGroup} from './rules.js'
export {DEFAULT_RATE_TABLE} from './rates.js'

export interface ComputeSavingsOptions {
  windowDays: number
  /** The report window the per-week figures are projected from (summary.window), stated in savings.projectedFrom. */
  window?: Window
  thresholds?: Partial<Thresholds>
  /** SQL boolean expression over the view's columns (the report's --org/--project/--since...), ANDed in. */
  filterSql?: string
  /** Tests pass their own table; the report uses the shipped one. */
  rates?: RateTable
}

export async function computeSavings(
  connection: DuckDBConnection,
  view: string,
  options: ComputeSavingsOptions,
): Promise<Savings> {
  const thresholds = resolveThresholds(options.thresholds)
  if (!(options.windowDays > 0)) {
    throw new BadInputError('E_SAVINGS_WINDOW', `The report window must span at least one day (got ${options.windowDays}); check --since/--until.`)
  }
  const rates = options.rates ?? DEFAULT_RATE_TABLE
  const where = options.filterSql ? `(${options.filterSql})` : 'TRUE'

  const groups = await queryRightsizingGroups(connection, view, where, thresholds.spikePct, options.windowDays)
  const candidates = withoutContradictions(groups.map((stats) => ({stats, verdict: classifyGroup(stats, thresholds, rates)})), thresholds)
  const rightsizing = candidates.filter((c) => c.direction === 'down').sort(bySavingsThenCredits)
  const underProvisioned = candidates.filter((c) => c.direction === 'up').sort(byCreditsPerWeek)
  const failingJobs = await queryFailingJobs(connection, view, where)

  return {
    thresholds,
    rateTable: {source: rates.source, date: rates.date},
    rightsizing,
    underProvisioned,
    failingJobs,
    top: buildTopOpportunities(rightsizing, options.window),
    ...(options.window ? {projectedFrom: options.window} : {}),
  }
}

export function resolveThresholds(overrides: Partial<Thresholds> = {}): Thresholds {
  const thresholds = {...DEFAULT_THRESHOLDS, ...definedOnly(overrides)}
  const problems: string[] = []
  if (!Number.isInteger(thresholds.minRuns) || thresholds.minRuns < 1) problems.push(`minRuns must be a whole number >= 1 (got ${thresholds.minRuns})`)
  for (const key of ['lowUtilisationPct', 'spikePct', 'highUtilisationPct'] as const) {
    const value = thresholds[key]
    if (!Number.isFinite(value) || value < 0 || value > 100) problems.push(`${key} must be a percentage 0..100 (got ${value})`)
  }
  if (!Number.isFinite(thresholds.maxSpikeShare) || thresholds.maxSpikeShare <= 0 || thresholds.maxSpikeShare > 1) {
    problems.push(`maxSpikeShare must be a share in (0, 1] (got ${thresholds.maxSpikeShare})`)
  }
  if (problems.length > 0) {
    throw new BadInputError('E_SAVINGS_THRESHOLD', `Invalid savings threshold: ${problems.join('; ')}.`)
  }
  return thresholds
}

function definedOnly(overrides: Partial<Thresholds>): Partial<Thresholds> {
  return Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined)) as Partial<Thresholds>
}

// A run counts as "with utilisation" only when all four figures are present: `\N` is unknown, never 0 %.
const HAS_UTILISATION =
  '(MEDIAN_CPU_UTILIZATION_PCT IS NOT NULL AND MEDIAN_RAM_UTILIZATION_PCT IS NOT NULL' +
  ' AND MAX_CPU_UTILIZATION_PCT IS NOT NULL AND MAX_RAM_UTILIZATION_PCT IS NOT NULL)'

/**
 * Medians and the p95 rounded to this many decimals: the exact figure of utilisation values of at most six
 * decimals (the export's are whole percents) has at most eight (a median halves a sum of two, the p95 adds
 * hundredths of a step), and the doubles DuckDB interpolates in are off by ~1e-14, so the rounding gives the exact
 * figure back (35, where quantile_cont read 34.99999999999999). Sorted lists per group would be exact too, but they
 * count against DuckDB's budget and ran out of it on a 1 GB export; these aggregates keep their values outside it.
 */
const EXACT_DECIMALS = 8

let passTableCounter = 0

/**
 * One row per (org, project, workflow, job, resource class, executor). Medians use DuckDB `median` and the 95th
 * percentile `quantile_cont(x, 0.95)` (R-7: linear interpolation between the two nearest runs), both over runs with
 * utilisation only and rounded to EXACT_DECIMALS: unrounded, an exact 35 % read 34.99999999999999, which doubled
 * on the smaller class passed "under 70 %" and downsized a job the rule keeps. Spike share is the fraction of those
 * runs whose max CPU or max RAM reached spikePct.
 */
export async function queryRightsizingGroups(
  connection: DuckDBConnection,
  view: string,
  where: string,
  spikePct: number,
  windowDays: number,
): Promise<GroupStats[]> {
  const select = (pass: string) => `
    SELECT
      ${ORG_SQL} AS org, PROJECT_NAME AS project, WORKFLOW_NAME AS workflow, JOB_NAME AS job,
      RESOURCE_CLASS AS resource_class, EXECUTOR AS executor,
      CAST(count(*) FILTER (WHERE ${STARTED}) AS INTEGER) AS runs,
      CAST(count(*) FILTER (WHERE ${HAS_UTILISATION}) AS INTEGER) AS runs_with_utilisation,
      round(median(MEDIAN_CPU_UTILIZATION_PCT) FILTER (WHERE ${HAS_UTILISATION}), ${EXACT_DECIMALS}) AS median_cpu,
      round(median(MEDIAN_RAM_UTILIZATION_PCT) FILTER (WHERE ${HAS_UTILISATION}), ${EXACT_DECIMALS}) AS median_ram,
      round(quantile_cont(MAX_CPU_UTILIZATION_PCT, 0.95) FILTER (WHERE ${HAS_UTILISATION}), ${EXACT_DECIMALS}) AS p95_max_cpu,
      round(quantile_cont(MAX_RAM_UTILIZATION_PCT, 0.95) FILTER (WHERE ${HAS_UTILISATION}), ${EXACT_DECIMALS}) AS p95_max_ram,
      coalesce(avg(CASE WHEN MAX_CPU_UTILIZATION_PCT >= $spike OR MAX_RAM_UTILIZATION_PCT >= $spike THEN 1.0 ELSE 0.0 END)
        FILTER (WHERE ${HAS_UTILISATION}), 0) AS spike_share,
      CAST(coalesce(sum(COMPUTE_CREDITS), 0) AS DOUBLE) AS credits
    FROM ${sqlIdent(view)}
    WHERE JOB_NAME IS NOT NULL AND PROJECT_NAME IS NOT NULL AND RESOURCE_CLASS IS NOT NULL AND ${where} AND ${pass}
    GROUP BY ALL`
  const order = 'ORDER BY project, workflow NULLS FIRST, job, resource_class, executor NULLS FIRST, org NULLS FIRST'
  // The medians and percentiles hold every value in memory: a big export is grouped in passes (passes.ts).
  const passes = await groupPasses(connection, view, `${ORG_SQL}, PROJECT_NAME, WORKFLOW_NAME, JOB_NAME, RESOURCE_CLASS, EXECUTOR`)
  const reader = await withPassMemory(connection, async () => {
    if (passes.length === 1) return connection.runAndReadAll(`${select(passes[0])} ${order}`, {spike: spikePct})
    const table = sqlIdent(`rightsizing_groups_${++passTableCounter}`)
    await connection.run(`CREATE OR REPLACE TEMP TABLE ${table} AS ${select(passes[0])}`, {spike: spikePct})
    for (const pass of passes.slice(1)) await connection.run(`INSERT INTO ${table} ${select(pass)}`, {spike: spikePct})
    const ordered = await connection.runAndReadAll(`SELECT * FROM ${table} ${order}`)
    await connection.run(`DROP TABLE ${table}`)
    return ordered
  })
  return rowObjects(reader).map((row) => ({
    org: nullableString(row.org),
    project: String(row.project),
    workflow: nullableString(row.workflow),
    job: String(row.job),
    resourceClass: String(row.resource_class),
    executor: nullableString(row.executor),
    runs: Number(row.runs),
    runsWithUtilisation: Number(row.runs_with_utilisation),
    medianCpuPct: nullableNumber(row.median_cpu),
    medianRamPct: nullableNumber(row.median_ram),
    p95MaxCpuPct: nullableNumber(row.p95_max_cpu),
    p95MaxRamPct: nullableNumber(row.p95_max_ram),
    spikeShare: Number(row.spike_share),
    credits: Number(row.credits),
    windowDays,
  }))
}

/**
 * Jobs with at least one failed run, most failed credits first. Failed credits are TOTAL_CREDITS of the failed
 * runs, the same measure as summary.failed, so the figures reconcile. A job is org x project x workflow x name,
 * as in health.jobs: two organizations' same-named jobs are two entries.
 */
async function queryFailingJobs(connection: DuckDBConnection, view: string, where: string): Promise<FailingJob[]> {
  const failed = FAILED_SQL
  const sql = `
    SELECT
      ${ORG_SQL} AS org, PROJECT_NAME AS project, WORKFLOW_NAME AS workflow, JOB_NAME AS job,
      CAST(count(*) FILTER (WHERE ${STARTED}) AS INTEGER) AS runs,
      CAST(count(*) FILTER (WHERE ${failed}) AS INTEGER) AS failures,
      CAST(coalesce(sum(TOTAL_CREDITS) FILTER (WHERE ${failed}), 0) AS DOUBLE) AS failed_credits
    FROM ${sqlIdent(view)}
    WHERE JOB_NAME IS NOT NULL AND PROJECT_NAME IS NOT NULL AND ${where}
    GROUP BY ALL
    HAVING count(*) FILTER (WHERE ${failed}) >= 1
    ORDER BY failed_credits DESC, failures DESC, project, workflow NULLS FIRST, job, org NULLS FIRST`
  const reader = await connection.runAndReadAll(sql)
  return rowObjects(reader).map((row) => {
    const runs = Number(row.runs)
    const failures = Number(row.failures)
    return {
      project: String(row.project),
      workflow: nullableString(row.workflow),
      job: String(row.job),
      runs,
      failures,
      failureRate: runs > 0 ? failures / runs : 0,
      failedCredits: Number(row.failed_credits),
      org: nullableString(row.org),
    }
  })
}

/**
 * A job's resource_class is set once, in its definition, for every workflow that runs it, but the groups are per
 * workflow and class, so one group's verdict is not the job's. A downsize holds only when nothing measured says
 * otherwise:
 * - a job that hits its limits anywhere (any workflow, any class) is not safe to shrink: its downsizes are dropped
 *   and the upsize stays. That holds on a class with no larger step or outside the rate table too (busy on
 *   docker 2xlarge in nightly, a GPU or a runner): with no upsize to suggest, it still blocks the downsize;
 * - a job measured on the same class in another workflow (enough runs with utilisation data) without being quiet
 *   there, busy at 60 % or spiking, would be squeezed in that workflow: its downsize is dropped too. A workflow with
 *   too few measured runs says nothing either way and does not block.
 */
export function withoutContradictions(
  groups: ReadonlyArray<{stats: GroupStats; verdict: RightsizingCandidate | null}>,
  thresholds: Thresholds,
): RightsizingCandidate[] {
  const jobKey = (c: Pick<GroupStats, 'org' | 'project' | 'job'>) => JSON.stringify([c.org, c.project, c.job])
  const classKey = (c: Pick<GroupStats, 'org' | 'project' | 'job' | 'resourceClass' | 'executor'>) =>
    JSON.stringify([c.org, c.project, c.job, c.resourceClass, c.executor])
  const busy = new Set(groups.filter(({stats}) => isBusy(stats, thresholds)).map(({stats}) => jobKey(stats)))
  const notQuiet = new Set(
    groups.filter(({stats, verdict}) => verdict?.direction !== 'down' && isMeasured(stats, thresholds)).map(({stats}) => classKey(stats)),
  )
  return groups
    .map(({verdict}) => verdict)
    .filter((c): c is RightsizingCandidate => c !== null)
    .filter((c) => c.direction === 'up' || (!busy.has(jobKey(c)) && !notQuiet.has(classKey(c))))
}

function bySavingsThenCredits(a: RightsizingCandidate, b: RightsizingCandidate): number {
  const savingsA = a.estimatedSavingsPerWeek ?? Number.NEGATIVE_INFINITY
  const savingsB = b.estimatedSavingsPerWeek ?? Number.NEGATIVE_INFINITY
  return savingsB - savingsA || byCreditsPerWeek(a, b)
}

function byCreditsPerWeek(a: RightsizingCandidate, b: RightsizingCandidate): number {
  return b.creditsPerWeek - a.creditsPerWeek || compareText(a.change, b.change)
}

function nullableString(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value)
}

function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value)
}
