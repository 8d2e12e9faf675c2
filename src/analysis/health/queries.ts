import type {DuckDBConnection, DuckDBValue} from '@duckdb/node-api'

import {microCredits} from '../aggregate.js'
import {sqlIdent, sqlString} from '../columns.js'
import {NOT_STARTED_STATUSES} from '../summary.js'

/**
 * The health queries over the report's narrow copy of the export (report_rows with HEALTH_ROW_COLUMNS). Two
 * levels, like the cube: one pass groups the rows into workflow runs (one row per WORKFLOW_ID, far fewer than
 * job rows), which the workflow, rerun, pipeline, trigger and branch figures then read; one pass groups the rows
 * by job. Credits come back as exact micro-credits (bigint). Percentiles are quantile_cont (see
 * HEALTH_PERCENTILE in summary.ts).
 */

const ORG = 'COALESCE(ORGANIZATION_NAME, ORGANIZATION_ID)'
const STARTED = `(JOB_BUILD_STATUS IS NULL OR JOB_BUILD_STATUS NOT IN (${NOT_STARTED_STATUSES.map((status) => sqlString(status)).join(', ')}))`
// A workflow with one of these and no success failed rather than was canceled (CircleCI's failing job statuses).
const FAILING = "JOB_BUILD_STATUS IN ('failed', 'infrastructure_fail', 'timedout')"

export interface HealthTables {
  /** One row per workflow run (and trigger source and branch, which are constant within a pipeline). */
  runs: string
  /** WORKFLOW_IDs of every attempt but the last of a workflow rerun within its pipeline. */
  reruns: string
  drop(): Promise<void>
}

let tableCounter = 0

/** Builds the workflow-run and rerun tables; `database` keeps the larger one in the compressed work file. */
export async function buildHealthTables(connection: DuckDBConnection, relation: string, where: string, database: string | null): Promise<HealthTables> {
  const suffix = ++tableCounter
  const runs = database ? `${sqlIdent(database)}.${sqlIdent(`health_runs_${suffix}`)}` : sqlIdent(`health_runs_${suffix}`)
  const reruns = sqlIdent(`health_reruns_${suffix}`)
  await connection.run(`CREATE OR REPLACE ${database ? '' : 'TEMP '}TABLE ${runs} AS
SELECT ${ORG} AS org, PROJECT_NAME AS project, WORKFLOW_NAME AS workflow, PIPELINE_ID AS pipeline, WORKFLOW_ID AS workflow_id,
  PIPELINE_TRIGGER_SOURCE AS trigger_source, VCS_BRANCH AS branch,
  min(WORKFLOW_ATTEMPT_AT) AS attempt_at, bool_or(WORKFLOW_SUCCEEDED) AS succeeded, max(WORKFLOW_MS) AS workflow_ms,
  bool_or(${FAILING}) AS any_failing, bool_or(JOB_BUILD_STATUS = 'canceled') AS any_canceled,
  count(JOB_NAME) AS jobs, COALESCE(sum(TOTAL_CREDITS), 0) AS credits
FROM ${sqlIdent(relation)} WHERE ${where}
GROUP BY ALL`)
  // Attempts of one workflow in one pipeline, last first: by when they began (unknown times count as earliest),
  // then by WORKFLOW_ID so that ties resolve the same way every time.
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${reruns} AS
WITH attempts AS (
  SELECT pipeline, workflow, workflow_id, min(attempt_at) AS attempt_at FROM ${runs}
  WHERE pipeline IS NOT NULL AND workflow_id IS NOT NULL GROUP BY pipeline, workflow, workflow_id
), ranked AS (
  SELECT workflow_id, row_number() OVER (PARTITION BY pipeline, workflow ORDER BY attempt_at DESC NULLS LAST, workflow_id DESC) AS from_last
  FROM attempts
)
SELECT workflow_id AS rerun_workflow_id FROM ranked WHERE from_last > 1`)
  return {
    runs,
    reruns,
    async drop() {
      await connection.run(`DROP TABLE IF EXISTS ${runs}`)
      await connection.run(`DROP TABLE IF EXISTS ${reruns}`)
    },
  }
}

export interface JobGroup {
  org: string | null
  project: string | null
  workflow: string | null
  /** Null for the rows without a job (kept so that the waste totals cover every row). */
  job: string | null
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

/** One group per org x project x workflow x job (job-less rows in one group per workflow, job null). */
export async function queryJobGroups(connection: DuckDBConnection, relation: string, where: string, tables: HealthTables): Promise<JobGroup[]> {
  const rerun = 'rerun_workflow_id IS NOT NULL'
  const failed = "JOB_BUILD_STATUS = 'failed'"
  const canceled = "JOB_BUILD_STATUS = 'canceled'"
  const reader = await connection.runAndReadAll(`
SELECT ${ORG} AS org, PROJECT_NAME AS project, WORKFLOW_NAME AS workflow, JOB_NAME AS job,
  count(*) AS rows, count(JOB_NAME) AS job_rows,
  count(*) FILTER (WHERE ${STARTED}) AS runs,
  count(*) FILTER (WHERE ${STARTED} AND JOB_BUILD_STATUS = 'success') AS successful_runs,
  count(*) FILTER (WHERE ${STARTED} AND ${failed}) AS failed_runs,
  count(*) FILTER (WHERE ${STARTED} AND ${canceled}) AS canceled_runs,
  count(*) FILTER (WHERE ${STARTED} AND JOB_BUILD_STATUS = 'running') AS running_runs,
  quantile_cont(JOB_RUN_SECONDS, 0.5) AS duration_p50, quantile_cont(JOB_RUN_SECONDS, 0.95) AS duration_p95,
  quantile_cont(JOB_QUEUE_MS / 1000.0, 0.5) FILTER (WHERE JOB_QUEUE_MS >= 0) AS queue_p50,
  quantile_cont(JOB_QUEUE_MS / 1000.0, 0.95) FILTER (WHERE JOB_QUEUE_MS >= 0) AS queue_p95,
  quantile_cont(MEDIAN_CPU_UTILIZATION_PCT, 0.5) AS cpu_median, quantile_cont(MEDIAN_RAM_UTILIZATION_PCT, 0.5) AS ram_median,
  COALESCE(sum(TOTAL_CREDITS), 0) AS credits,
  COALESCE(sum(TOTAL_CREDITS) FILTER (WHERE ${failed}), 0) AS failed_credits, count(JOB_NAME) FILTER (WHERE ${failed}) AS failed_jobs,
  COALESCE(sum(TOTAL_CREDITS) FILTER (WHERE ${canceled}), 0) AS canceled_credits, count(JOB_NAME) FILTER (WHERE ${canceled}) AS canceled_jobs,
  COALESCE(sum(TOTAL_CREDITS) FILTER (WHERE ${rerun}), 0) AS rerun_credits, count(JOB_NAME) FILTER (WHERE ${rerun}) AS rerun_jobs,
  COALESCE(sum(TOTAL_CREDITS) FILTER (WHERE ${rerun} OR ${failed} OR ${canceled}), 0) AS waste_credits
FROM ${sqlIdent(relation)} LEFT JOIN ${tables.reruns} ON WORKFLOW_ID = rerun_workflow_id
WHERE ${where}
GROUP BY ALL`)
  return reader.getRowObjects().map((row) => ({
    org: text(row.org),
    project: text(row.project),
    workflow: text(row.workflow),
    job: text(row.job),
    rows: Number(row.rows),
    jobRows: Number(row.job_rows),
    runs: Number(row.runs),
    successfulRuns: Number(row.successful_runs),
    failedRuns: Number(row.failed_runs),
    canceledRuns: Number(row.canceled_runs),
    runningRuns: Number(row.running_runs),
    durationP50: number(row.duration_p50),
    durationP95: number(row.duration_p95),
    queueP50: number(row.queue_p50),
    queueP95: number(row.queue_p95),
    cpuMedian: number(row.cpu_median),
    ramMedian: number(row.ram_median),
    credits: microCredits(row.credits),
    failedCredits: microCredits(row.failed_credits),
    failedJobs: Number(row.failed_jobs),
    canceledCredits: microCredits(row.canceled_credits),
    canceledJobs: Number(row.canceled_jobs),
    rerunCredits: microCredits(row.rerun_credits),
    rerunJobs: Number(row.rerun_jobs),
    wasteCredits: microCredits(row.waste_credits),
  }))
}

export interface WorkflowGroup {
  org: string | null
  project: string | null
  workflow: string | null
  runs: number
  finishedRuns: number
  successfulRuns: number
  canceledRuns: number
  durationP50: number | null
  durationP95: number | null
  credits: bigint
}

export async function queryWorkflowGroups(connection: DuckDBConnection, tables: HealthTables): Promise<WorkflowGroup[]> {
  const known = 'workflow_id IS NOT NULL'
  const reader = await connection.runAndReadAll(`
WITH runs AS (
  SELECT org, project, workflow, workflow_id, bool_or(succeeded) AS succeeded, max(workflow_ms) AS workflow_ms,
    bool_or(any_failing) AS any_failing, bool_or(any_canceled) AS any_canceled, sum(credits) AS credits
  FROM ${tables.runs} GROUP BY org, project, workflow, workflow_id
)
SELECT org, project, workflow,
  count(workflow_id) AS runs,
  count(*) FILTER (WHERE ${known} AND succeeded IS NOT NULL) AS finished_runs,
  count(*) FILTER (WHERE ${known} AND succeeded) AS successful_runs,
  count(*) FILTER (WHERE ${known} AND NOT succeeded AND any_canceled AND NOT any_failing) AS canceled_runs,
  quantile_cont(workflow_ms / 1000.0, 0.5) FILTER (WHERE ${known} AND workflow_ms >= 0) AS duration_p50,
  quantile_cont(workflow_ms / 1000.0, 0.95) FILTER (WHERE ${known} AND workflow_ms >= 0) AS duration_p95,
  COALESCE(sum(credits), 0) AS credits
FROM runs GROUP BY org, project, workflow`)
  return reader.getRowObjects().map((row) => ({
    org: text(row.org),
    project: text(row.project),
    workflow: text(row.workflow),
    runs: Number(row.runs),
    finishedRuns: Number(row.finished_runs),
    successfulRuns: Number(row.successful_runs),
    canceledRuns: Number(row.canceled_runs),
    durationP50: number(row.duration_p50),
    durationP95: number(row.duration_p95),
    credits: microCredits(row.credits),
  }))
}

/** Earlier attempts of rerun workflows (WORKFLOW_IDs), for waste.reruns.attempts. */
export async function countRerunAttempts(connection: DuckDBConnection, tables: HealthTables): Promise<number> {
  const reader = await connection.runAndReadAll(`SELECT count(*) AS attempts FROM ${tables.reruns}`)
  return Number(reader.getRowObjects()[0].attempts)
}

export interface PipelineStats {
  count: number
  credits: bigint
  p50: number | null
  p95: number | null
}

/** Credits per PIPELINE_ID (rows without one are left out), and their p50/p95. */
export async function queryPipelineStats(connection: DuckDBConnection, tables: HealthTables): Promise<PipelineStats> {
  const reader = await connection.runAndReadAll(`
WITH pipelines AS (SELECT pipeline, sum(credits) AS credits FROM ${tables.runs} WHERE pipeline IS NOT NULL GROUP BY pipeline)
SELECT count(*) AS pipelines, COALESCE(sum(credits), 0) AS credits,
  quantile_cont(CAST(credits AS DOUBLE), 0.5) AS p50, quantile_cont(CAST(credits AS DOUBLE), 0.95) AS p95
FROM pipelines`)
  const row = reader.getRowObjects()[0]
  return {count: Number(row.pipelines), credits: microCredits(row.credits), p50: number(row.p50), p95: number(row.p95)}
}

export interface SpendGroup {
  org: string | null
  project: string | null
  /** The trigger source or the branch. */
  key: string | null
  pipelines: number
  jobs: number
  credits: bigint
}

/** Credits, pipelines and job rows by trigger source. */
export async function queryTriggerGroups(connection: DuckDBConnection, tables: HealthTables): Promise<SpendGroup[]> {
  return spendGroups(connection, `SELECT NULL AS org, NULL AS project, trigger_source AS key, ${SPEND} FROM ${tables.runs} GROUP BY trigger_source`)
}

/** Credits, pipelines and job rows by org x project x branch. */
export async function queryBranchGroups(connection: DuckDBConnection, tables: HealthTables): Promise<SpendGroup[]> {
  return spendGroups(connection, `SELECT org, project, branch AS key, ${SPEND} FROM ${tables.runs} GROUP BY org, project, branch`)
}

const SPEND = 'count(DISTINCT pipeline) AS pipelines, COALESCE(sum(jobs), 0) AS jobs, COALESCE(sum(credits), 0) AS credits'

async function spendGroups(connection: DuckDBConnection, sql: string): Promise<SpendGroup[]> {
  const reader = await connection.runAndReadAll(sql)
  return reader.getRowObjects().map((row) => ({
    org: text(row.org),
    project: text(row.project),
    key: text(row.key),
    pipelines: Number(row.pipelines),
    jobs: Number(row.jobs),
    credits: microCredits(row.credits),
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
  const reader = await connection.runAndReadAll(`
SELECT ${ORG} AS org, PROJECT_NAME AS project, min(VCS_NAME) AS vcs_name, min(VCS_URL) AS vcs_url,
  min(ORGANIZATION_ID) AS organization_id, min(PROJECT_ID) AS project_id, COALESCE(sum(TOTAL_CREDITS), 0) AS credits
FROM ${sqlIdent(relation)} WHERE ${where}
GROUP BY ALL`)
  return reader.getRowObjects().map((row) => ({
    org: text(row.org),
    project: text(row.project),
    vcsName: text(row.vcs_name),
    vcsUrl: text(row.vcs_url),
    organizationId: text(row.organization_id),
    projectId: text(row.project_id),
    credits: microCredits(row.credits),
  }))
}

/** Whether an attached database of that name exists (report_rows keeps its tables in `work`). */
export async function hasDatabase(connection: DuckDBConnection, name: string): Promise<boolean> {
  const reader = await connection.runAndReadAll(`SELECT count(*) AS n FROM duckdb_databases() WHERE database_name = ${sqlString(name)}`)
  return Number(reader.getRowObjects()[0].n) > 0
}

function text(value: DuckDBValue): string | null {
  return value === null || value === undefined ? null : String(value)
}

/** Percentiles are interpolated doubles: rounded to micro-units so 12.3 does not read 12.299999999999999. */
function number(value: DuckDBValue): number | null {
  if (value === null || value === undefined) return null
  return Math.round(Number(value) * 1_000_000) / 1_000_000
}
