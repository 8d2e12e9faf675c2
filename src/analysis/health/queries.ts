import {JSDuckDBValueConverter, type DuckDBConnection, type JS as DuckDBValueJS} from '@duckdb/node-api'

import {roundedFromDecimals} from '../../core/exact-money.js'
import {creditsToNumber} from '../build.js'
import {ORG_SQL as ORG, sqlIdent, sqlLiteral, sqlString} from '../columns.js'
import {groupPasses, withPassMemory} from '../passes.js'
import {rowObjects, type ResultRow} from '../result-rows.js'
import {createTempTableOf} from '../temp-table.js'
import {CANCELED_SQL as CANCELED, FAILED_SQL as FAILED, FAILING_SQL as FAILING, STARTED_SQL as STARTED} from '../status-sql.js'

/**
 * The health queries over the report's narrow copy of the export (report_rows with HEALTH_ROW_COLUMNS). Two
 * levels, like the cube: one pass groups the rows into workflow runs, which the workflow, rerun and pipeline
 * figures read; the per-job, trigger and branch figures group the rows themselves (few groups). Credits come back
 * as exact micro-credits (bigint), summed from the rows; only a pipeline's credits are the sum of its runs' (each
 * run's own exact sum of its rows, in the run table).
 * Percentiles are quantile_cont (HEALTH_PERCENTILE in summary.ts).
 *
 * Cost (issue 13: at most 15 % on the 1 GB bench, 1.7 million rows in 261,425 workflow runs; the tables were
 * designed when its generator made every row a workflow run of its own, 1.7 million of them): the
 * run and pipeline tables hold integers only. A run is (PIPELINE_NUMBER, WORKFLOW_KEY) (see columns.ts) and
 * carries 64-bit codes of its project, workflow, trigger source and branch, hash(...) of the same values the
 * row-level queries group by; the names come back from those queries' own groups. Grouping the runs by their
 * strings (any_value of five VARCHARs) took twice as long. Two distinct projects or workflows would share a code
 * with a chance of about n^2 / 2^65 (for 10,000 workflows, 3 in 10^12).
 */

/** The codes, on rows (`ORG`, column names) and on grouped results (`org`, `project`...): the same values hashed. */
const CODE = {
  project: (org: string, project: string) => `hash(${org}, ${project})`,
  workflow: (org: string, project: string, workflow: string) => `hash(${org}, ${project}, ${workflow})`,
  value: (value: string) => `hash(${value})`,
}

/**
 * Credits as exact micro-credits, summed as integers: each row's DECIMAL(18,6) times 10^6 is a whole BIGINT, and
 * their sum a HUGEINT, which the JS conversion reads as a bigint (it reads DECIMAL as a float) several times faster
 * than DuckDB value objects. Scaling the DECIMAL sum instead cost seven times as much on the bench's (then) 1.7 million
 * workflow runs (128-bit decimal arithmetic per group).
 */
function microSum(filter?: string): string {
  return `COALESCE(sum(${when(filter, ROW_MICRO_CREDITS)}), 0)`
}

/**
 * One row's TOTAL_CREDITS as micro-credits. DuckDB multiplies a DECIMAL(18,6) by an integer in 64 bits and
 * refuses a product past DECIMAL(18) (a row of a million credits or more: a long GPU or macOS job, a lease) with an
 * overflow that stopped the whole report; only those rare rows take the 128-bit product (60x slower per row on 10
 * million rows, so not every row: the CASE runs each branch on its own rows only).
 */
const ROW_MICRO_CREDITS = `CASE WHEN TOTAL_CREDITS > -1000000 AND TOTAL_CREDITS < 1000000 THEN CAST(TOTAL_CREDITS * 1000000 AS BIGINT)
  ELSE CAST(CAST(TOTAL_CREDITS AS DECIMAL(38,6)) * 1000000 AS BIGINT) END`

/**
 * `value` on the rows where `condition` holds, else NULL, which every aggregate here skips: the same figure as
 * `aggregate(value) FILTER (WHERE condition)`, but DuckDB applies each FILTER as a selection of its own: with the
 * job query's ten, ~20 more of its ~530 CPU ms on the 1 GB bench (quiet machine; ~40 at load 6).
 */
function when(condition: string | undefined, value: string): string {
  return condition ? `CASE WHEN ${condition} THEN ${value} END` : value
}

/** count(*) FILTER (WHERE condition), as when() explains. */
function countWhere(condition: string): string {
  return `count(${when(condition, '1')})`
}

/** The result as row objects of one shape (result-rows.ts). */
async function rowsOf(connection: DuckDBConnection, sql: string): Promise<ResultRow[]> {
  return rowObjects(await connection.runAndReadAll(sql))
}

export interface HealthTables {
  /**
   * One row per workflow run: PIPELINE_NUMBER x WORKFLOW_KEY. Rows without a WORKFLOW_ID are in no run; a run
   * without a PIPELINE_NUMBER is still one of its workflow's runs (health.workflows), in no pipeline and no rerun.
   */
  runs: string
  /** One row per pipeline: project x PIPELINE_NUMBER. */
  pipelines: string
  /**
   * Every attempt (rerun_pipeline, rerun_workflow_key) of a workflow run more than once in its pipeline, with
   * its place from the last (from_last 1 is the last attempt) and its workflow code.
   */
  reruns: string
  drop(): Promise<void>
}

let tableCounter = 0

/**
 * The run table, then pipelines and reruns from it. A run carries only its workflow's code; a pipeline is
 * (project, PIPELINE_NUMBER), its project code found through `workflows` (workflow code -> project code, from the
 * job groups, a few thousand rows) rather than hashed again on every row. The codes name the organization as the
 * report shows it (ORGANIZATION_NAME), which two organizations of one plan can share: a run also carries its
 * ORGANIZATION_ID, so that their same-named projects' pipelines (numbered per project) stay apart.
 */
export async function buildHealthTables(connection: DuckDBConnection, relation: string, where: string, workflows: readonly JobGroup[]): Promise<HealthTables> {
  const suffix = ++tableCounter
  const runs = sqlIdent(`health_runs_${suffix}`)
  const projects = sqlIdent(`health_workflow_projects_${suffix}`)
  const pipelines = sqlIdent(`health_pipelines_${suffix}`)
  const reruns = sqlIdent(`health_reruns_${suffix}`)
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${runs} AS
SELECT PIPELINE_NUMBER AS pipeline, WORKFLOW_KEY AS workflow_key, any_value(${CODE.workflow(ORG, 'PROJECT_NAME', 'WORKFLOW_NAME')}) AS workflow_code,
  any_value(COALESCE(ORGANIZATION_ID, '')) AS org_id, min(WORKFLOW_ATTEMPT_AT) AS attempt_at, bool_or(WORKFLOW_SUCCEEDED) AS succeeded, max(WORKFLOW_MS) AS workflow_ms,
  bool_or(${FAILING}) AS any_failing, bool_or(${CANCELED}) AS any_canceled, ${microSum()} AS credits
FROM ${sqlIdent(relation)} WHERE ${where} AND WORKFLOW_KEY IS NOT NULL
GROUP BY PIPELINE_NUMBER, WORKFLOW_KEY`)
  const pairs = [...new Map(workflows.map((group) => [group.workflowCode, group.projectCode])).entries()]
  await createTempTableOf(connection, projects, 'workflow_code UBIGINT, project_code UBIGINT', pairs.map(([workflow, project]) => [BigInt(workflow), BigInt(project)]))
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${pipelines} AS
SELECT project_code, org_id, pipeline, count(*) AS runs, sum(credits) AS credits
FROM ${runs} JOIN ${projects} USING (workflow_code) WHERE pipeline IS NOT NULL GROUP BY project_code, org_id, pipeline`)
  // Attempts of one workflow in one pipeline, last first: by when they began (unknown times count as earliest),
  // then by key so that ties resolve the same way every time. Only a pipeline with several runs can hold one.
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${reruns} AS
WITH located AS (
  SELECT r.*, w.project_code FROM ${runs} r JOIN ${projects} w USING (workflow_code)
), candidates AS (
  SELECT l.* FROM located l SEMI JOIN (SELECT project_code, org_id, pipeline FROM ${pipelines} WHERE runs > 1) p
    ON l.project_code = p.project_code AND l.org_id = p.org_id AND l.pipeline = p.pipeline
), ranked AS (
  SELECT pipeline, workflow_key, workflow_code, org_id, row_number() OVER (PARTITION BY project_code, org_id, pipeline, workflow_code ORDER BY attempt_at DESC NULLS LAST, workflow_key DESC) AS from_last,
    count(*) OVER (PARTITION BY project_code, org_id, pipeline, workflow_code) AS attempts
  FROM candidates
)
SELECT pipeline AS rerun_pipeline, workflow_key AS rerun_workflow_key, workflow_code AS rerun_workflow_code, org_id AS rerun_org_id, from_last
FROM ranked WHERE attempts > 1`)
  return {
    runs,
    pipelines,
    reruns,
    async drop() {
      for (const table of [runs, projects, pipelines, reruns]) await connection.run(`DROP TABLE IF EXISTS ${table}`)
    },
  }
}

export interface JobGroup {
  org: string | null
  project: string | null
  workflow: string | null
  /** Null for the rows without a job (kept so that the waste totals cover every row). */
  job: string | null
  /** hash(org, project, workflow) and hash(org, project): how the run and pipeline tables name them. */
  workflowCode: string
  projectCode: string
  rows: number
  jobRows: number
  runs: number
  successfulRuns: number
  failedRuns: number
  canceledRuns: number
  runningRuns: number
  durationP50: number | null
  durationP95: number | null
  queueP50: number | null
  queueP95: number | null
  cpuMedian: number | null
  ramMedian: number | null
  credits: bigint
  failedCredits: bigint
  failedJobs: number
  canceledCredits: bigint
  canceledJobs: number
  rerunCredits: bigint
  rerunJobs: number
  wasteCredits: bigint
}

/**
 * One group per org x project x workflow x job (job-less rows in one group per workflow, job null); the rerun
 * figures are zero until addRerunFigures.
 */
export async function queryJobGroups(connection: DuckDBConnection, relation: string, where: string): Promise<JobGroup[]> {
  // The percentiles hold every value in memory: a big export is grouped in passes (passes.ts).
  const passes = await groupPasses(connection, relation, `${ORG}, PROJECT_NAME, WORKFLOW_NAME, JOB_NAME`)
  const groups: JobGroup[] = []
  await withPassMemory(connection, async () => {
    for (const pass of passes) {
      const result = await connection.run(jobGroupsSql(relation, `${where} AND ${pass}`))
      const names = result.columnNames()
      // Straight from each chunk's columns (2,048 rows) into the groups, one at a time: a pass's groups as row
      // objects first, then as whole columns, were the report's largest garbage on an export of 3,000 projects
      // (41,000 jobs), and spreading them into the list as arguments stops with "Maximum call stack size
      // exceeded" past ~120,000 groups.
      for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
        const columns: Record<string, DuckDBValueJS[]> = {}
        names.forEach((name, column) => (columns[name] = chunk!.convertColumnValues(column, JSDuckDBValueConverter)))
        for (let index = 0; index < chunk.rowCount; index++) groups.push(toJobGroup(columns, index))
      }
    }
  })
  return groups
}

// Durations and utilisation medians are of runs (README Health): a row of a job that never started (blocked,
// on_hold, ...) carrying a run time or utilisation would otherwise move them. The queue is of every row with both times.
// Each percentile pair comes back as two DOUBLE columns: a LIST per group and cell cost a list object and an array
// in JS, ~70 MB of garbage on 41,000 job groups.
function jobGroupsSql(relation: string, where: string): string {
  return `
SELECT * EXCLUDE (duration, queue), duration[1] AS duration_p50, duration[2] AS duration_p95, queue[1] AS queue_p50, queue[2] AS queue_p95,
  ${CODE.workflow('org', 'project', 'workflow')} AS workflow_code, ${CODE.project('org', 'project')} AS project_code FROM (
SELECT ${ORG} AS org, PROJECT_NAME AS project, WORKFLOW_NAME AS workflow, JOB_NAME AS job,
  count(*) AS rows, count(JOB_NAME) AS job_rows,
  ${countWhere(STARTED)} AS runs,
  ${countWhere("JOB_BUILD_STATUS = 'success'")} AS successful_runs,
  ${countWhere(FAILED)} AS failed_runs,
  ${countWhere(CANCELED)} AS canceled_runs,
  ${countWhere("JOB_BUILD_STATUS = 'running'")} AS running_runs,
  quantile_cont(${when(STARTED, 'JOB_RUN_SECONDS')}, [0.5, 0.95]) AS duration,
  quantile_cont(${when('JOB_QUEUE_MS >= 0', 'JOB_QUEUE_MS / 1000.0')}, [0.5, 0.95]) AS queue,
  quantile_cont(${when(STARTED, 'MEDIAN_CPU_UTILIZATION_PCT')}, 0.5) AS cpu_median,
  quantile_cont(${when(STARTED, 'MEDIAN_RAM_UTILIZATION_PCT')}, 0.5) AS ram_median,
  ${microSum()} AS credits,
  ${microSum(FAILED)} AS failed_credits, count(${when(FAILED, 'JOB_NAME')}) AS failed_jobs,
  ${microSum(CANCELED)} AS canceled_credits, count(${when(CANCELED, 'JOB_NAME')}) AS canceled_jobs
FROM ${sqlIdent(relation)} WHERE ${where}
GROUP BY ALL)`
}

function toJobGroup(columns: Record<string, DuckDBValueJS[]>, index: number): JobGroup {
  const failedCredits = bigint(columns.failed_credits[index])
  const canceledCredits = bigint(columns.canceled_credits[index])
  return {
    org: text(columns.org[index]),
    project: text(columns.project[index]),
    workflow: text(columns.workflow[index]),
    job: text(columns.job[index]),
    workflowCode: String(columns.workflow_code[index]),
    projectCode: String(columns.project_code[index]),
    rows: Number(columns.rows[index]),
    jobRows: Number(columns.job_rows[index]),
    runs: Number(columns.runs[index]),
    // Not-started statuses are none of these, so these counts are runs already.
    successfulRuns: Number(columns.successful_runs[index]),
    failedRuns: Number(columns.failed_runs[index]),
    canceledRuns: Number(columns.canceled_runs[index]),
    runningRuns: Number(columns.running_runs[index]),
    durationP50: number(columns.duration_p50[index]),
    durationP95: number(columns.duration_p95[index]),
    queueP50: number(columns.queue_p50[index]),
    queueP95: number(columns.queue_p95[index]),
    cpuMedian: number(columns.cpu_median[index]),
    ramMedian: number(columns.ram_median[index]),
    credits: bigint(columns.credits[index]),
    failedCredits,
    failedJobs: Number(columns.failed_jobs[index]),
    canceledCredits,
    canceledJobs: Number(columns.canceled_jobs[index]),
    rerunCredits: 0n,
    rerunJobs: 0,
    wasteCredits: failedCredits + canceledCredits,
  }
}

/**
 * Adds the rows of rerun attempts to their job groups: the rows of an earlier attempt whose job was run again
 * in a later attempt. "Rerun from failed" runs only the failed jobs (and what follows them) again; the jobs
 * that passed in the earlier attempt are kept, not repeated, so their credits are not rerun spend. A row
 * without a job cannot be matched and counts with its attempt. Rerun rows are few: found by a join with the
 * small rerun table (MATERIALIZED: the join reads every row, and both the latest attempts and the sums use it).
 * Waste counts each row once: failed or canceled, plus the rerun rows that are neither.
 */
export async function addRerunFigures(connection: DuckDBConnection, relation: string, where: string, tables: HealthTables, groups: JobGroup[]): Promise<void> {
  const reruns = await rowsOf(connection, `
WITH attempt_rows AS MATERIALIZED (
  SELECT ${ORG} AS org, PROJECT_NAME AS project, WORKFLOW_NAME AS workflow, JOB_NAME AS job, rerun_pipeline, rerun_workflow_code, rerun_org_id, from_last,
    TOTAL_CREDITS, JOB_BUILD_STATUS
  FROM ${sqlIdent(relation)} JOIN ${tables.reruns} ON PIPELINE_NUMBER = rerun_pipeline AND WORKFLOW_KEY = rerun_workflow_key
  WHERE ${where}
), latest AS (
  SELECT rerun_pipeline, rerun_workflow_code, rerun_org_id, job, min(from_last) AS latest_from_last FROM attempt_rows WHERE job IS NOT NULL GROUP BY ALL
)
SELECT org, project, workflow, job,
  ${microSum()} AS credits, count(job) AS jobs,
  ${microSum(`${FAILED} OR ${CANCELED}`)} AS failed_or_canceled_credits
FROM attempt_rows LEFT JOIN latest USING (rerun_pipeline, rerun_workflow_code, rerun_org_id, job)
WHERE from_last > 1 AND (job IS NULL OR from_last > latest_from_last)
GROUP BY ALL`)
  const key = (group: {org?: unknown; project?: unknown; workflow?: unknown; job?: unknown}) => JSON.stringify([group.org, group.project, group.workflow, group.job].map(text))
  const byKey = new Map(groups.map((group) => [key(group), group]))
  for (const rerun of reruns) {
    const group = byKey.get(key(rerun))
    if (!group) throw new Error('internal: rerun rows of a job the job groups do not have')
    group.rerunCredits = bigint(rerun.credits)
    group.rerunJobs = Number(rerun.jobs)
    group.wasteCredits += group.rerunCredits - bigint(rerun.failed_or_canceled_credits)
  }
}

/** [p50, p95] from quantile_cont(x, [0.5, 0.95]); nulls when the group had no value. */
function quantiles(value: unknown): [number | null, number | null] {
  const items = Array.isArray(value) ? value : []
  return [number(items[0] ?? null), number(items[1] ?? null)]
}

export interface WorkflowGroup {
  /** hash(org, project, workflow): the job groups carry the names. */
  workflowCode: string
  runs: number
  finishedRuns: number
  successfulRuns: number
  canceledRuns: number
  durationP50: number | null
  durationP95: number | null
}

/** Run counts and durations per workflow (its credits are the rows' own, from the job groups). */
export async function queryWorkflowGroups(connection: DuckDBConnection, tables: HealthTables): Promise<WorkflowGroup[]> {
  const groups = await rowsOf(connection, `
SELECT workflow_code,
  count(*) AS runs,
  ${countWhere('succeeded IS NOT NULL')} AS finished_runs,
  ${countWhere('succeeded')} AS successful_runs,
  ${countWhere('NOT succeeded AND any_canceled AND NOT any_failing')} AS canceled_runs,
  quantile_cont(${when('workflow_ms >= 0', 'workflow_ms / 1000.0')}, [0.5, 0.95]) AS duration
FROM ${tables.runs} GROUP BY workflow_code`)
  return groups.map((row) => {
    const [durationP50, durationP95] = quantiles(row.duration)
    return {
      workflowCode: String(row.workflow_code),
      runs: Number(row.runs),
      finishedRuns: Number(row.finished_runs),
      successfulRuns: Number(row.successful_runs),
      canceledRuns: Number(row.canceled_runs),
      durationP50,
      durationP95,
    }
  })
}

/** Earlier attempts of rerun workflows, for waste.reruns.attempts. */
export async function countRerunAttempts(connection: DuckDBConnection, tables: HealthTables): Promise<number> {
  const [row] = await rowsOf(connection, `SELECT count(*) AS attempts FROM ${tables.reruns} WHERE from_last > 1`)
  return Number(row.attempts)
}

export interface PipelineStats {
  count: number
  credits: bigint
  p50: number | null
  p95: number | null
}

/** Credits per pipeline (rows without a PIPELINE_NUMBER or WORKFLOW_ID are left out), and their p50/p95. */
export async function queryPipelineStats(connection: DuckDBConnection, tables: HealthTables): Promise<PipelineStats> {
  // Pipeline credits are micro-credits here: the percentiles are taken in credits.
  const [row] = await rowsOf(connection, `
SELECT count(*) AS pipelines, COALESCE(sum(credits), 0) AS credits, quantile_cont(credits / 1000000.0, [0.5, 0.95]) AS quantiles
FROM ${tables.pipelines}`)
  const [p50, p95] = quantiles(row.quantiles)
  return {count: Number(row.pipelines), credits: bigint(row.credits), p50, p95}
}

export interface SpendGroup {
  org: string | null
  project: string | null
  /** The trigger source or the branch. */
  key: string | null
  jobs: number
  credits: bigint
}

/**
 * Credits and job rows by trigger source. (Pipelines are not counted per source: a distinct count over every row
 * cost as much as the rest of the breakdown on the bench.)
 */
export async function queryTriggerGroups(connection: DuckDBConnection, relation: string, where: string): Promise<SpendGroup[]> {
  return spendGroups(connection, `SELECT NULL AS org, NULL AS project, PIPELINE_TRIGGER_SOURCE AS key, ${SPEND} FROM ${sqlIdent(relation)} WHERE ${where} GROUP BY key`)
}

const SPEND = `count(JOB_NAME) AS jobs, ${microSum()} AS credits`

async function spendGroups(connection: DuckDBConnection, sql: string): Promise<SpendGroup[]> {
  return (await rowsOf(connection, sql)).map((row) => ({
    org: text(row.org),
    project: text(row.project),
    key: text(row.key),
    jobs: Number(row.jobs),
    credits: bigint(row.credits),
  }))
}

export interface BranchSpend {
  jobs: number
  credits: bigint
}

/** A project's spend in the branch breakdown, as the default-branch split needs it. */
export interface ProjectBranchSpend {
  org: string | null
  /** PROJECT_NAME, or the missing label for rows without one (what a --default-branch rule would name). */
  project: string
  all: BranchSpend
  /** Spend on each conventional default branch the project has entries on, by name. */
  conventional: Map<string, BranchSpend>
  /** Spend on the branch a --default-branch rule names for the project; null without a rule. */
  ruled: BranchSpend | null
}

/**
 * Per project, from the branch breakdown's entries (`entries`: org, project, branch, jobs, credits as micro-credits):
 * its spend, and its spend on each of `conventional` and on the branch `rules` name for it, whichever of those
 * turns out to be its default. Projects are few; the entries (a branch per pull request) stay in DuckDB.
 */
export async function queryProjectBranchSpend(
  connection: DuckDBConnection,
  entries: string,
  rules: {all: string | null; byProject: ReadonlyMap<string, string>},
  conventional: readonly string[],
  missingProject: string,
): Promise<ProjectBranchSpend[]> {
  const project = `COALESCE(project, ${sqlString(missingProject)})`
  const ruledBranch =
    rules.byProject.size === 0
      ? sqlLiteral(rules.all)
      : `CASE ${project} ${[...rules.byProject].map(([name, branch]) => `WHEN ${sqlString(name)} THEN ${sqlString(branch)}`).join(' ')} ELSE ${sqlLiteral(rules.all)} END`
  const spendOn = (condition: string, name: string) =>
    `bool_or(${condition}) AS has_${name}, COALESCE(sum(CASE WHEN ${condition} THEN jobs END), 0) AS jobs_${name}, COALESCE(sum(CASE WHEN ${condition} THEN credits END), 0) AS credits_${name}`
  const rows = await rowsOf(
    connection,
    `SELECT org, ${project} AS project, COALESCE(sum(jobs), 0) AS jobs, COALESCE(sum(credits), 0) AS credits,
      ${[...conventional.map((branch, index) => spendOn(`branch = ${sqlString(branch)}`, `c${index}`)), spendOn(`branch = ${ruledBranch}`, 'ruled')].join(',\n      ')}
    FROM ${entries} GROUP BY org, ${project}`,
  )
  const spend = (row: ResultRow, name: string): BranchSpend => ({jobs: Number(row[`jobs_${name}`]), credits: bigint(row[`credits_${name}`])})
  const hasRule = rules.all !== null || rules.byProject.size > 0
  return rows.map((row) => ({
    org: text(row.org),
    project: String(row.project),
    all: {jobs: Number(row.jobs), credits: bigint(row.credits)},
    conventional: new Map(conventional.flatMap((branch, index) => (row[`has_c${index}`] === true ? [[branch, spend(row, `c${index}`)] as const] : []))),
    ruled: hasRule ? spend(row, 'ruled') : null,
  }))
}

export interface ProjectSource {
  org: string | null
  project: string | null
  vcsName: string | null
  vcsUrl: string | null
  organizationId: string | null
  projectId: string | null
  credits: bigint
}

/** What an Insights slug is made of, per project, most credits first (needs FLAKY_ROW_COLUMNS). */
export async function queryProjectSources(connection: DuckDBConnection, relation: string, where: string): Promise<ProjectSource[]> {
  const rows = await rowsOf(connection, `
SELECT ${ORG} AS org, PROJECT_NAME AS project, min(VCS_NAME) AS vcs_name, min(VCS_URL) AS vcs_url,
  min(ORGANIZATION_ID) AS organization_id, min(PROJECT_ID) AS project_id, ${microSum()} AS credits
FROM ${sqlIdent(relation)} WHERE ${where}
GROUP BY ALL`)
  return rows.map((row) => ({
    org: text(row.org),
    project: text(row.project),
    vcsName: text(row.vcs_name),
    vcsUrl: text(row.vcs_url),
    organizationId: text(row.organization_id),
    projectId: text(row.project_id),
    credits: bigint(row.credits),
  }))
}

function text(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value)
}

/** A BIGINT of micro-credits (see micro) as read by getRowObjectsJS. */
function bigint(value: unknown): bigint {
  if (typeof value === 'bigint') return value
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value)
  throw new Error(`internal: expected a BIGINT of micro-credits, got ${String(value)}`)
}

/** Percentiles are interpolated doubles: rounded to micro-units so 12.3 does not read 12.299999999999999. */
function number(value: unknown): number | null {
  if (value === null || value === undefined) return null
  return microUnits(Number(value))
}

/**
 * `value` rounded half away from zero to six decimals, from its exact figure: a percentile of values of at most six
 * decimals has at most eight (the interpolation adds a step of hundredths), which the double's first eight decimals
 * give back (toFixed rounds the double's own binary value, ~1e-16 relative off), and that decimal is rounded once.
 * Rounding the double straight to six put a figure ending in a half on either side: the median of 2.000001 and
 * 2.000002 (2.0000015) read 2.0000014999999998, written 2.000001. Below 2^23 (8.4 million) the interpolated double
 * is off by less than 4e-9, inside half an eighth decimal; larger figures keep the plain rounding.
 */
export function microUnits(value: number): number {
  if (!Number.isFinite(value) || Math.abs(value) >= 2 ** 23) return Math.round(value * 1_000_000) / 1_000_000
  return creditsToNumber(roundedFromDecimals(value, 8, 6))
}
