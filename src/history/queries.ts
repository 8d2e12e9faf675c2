/**
 * The history's reads and the rollup of an export, on the report's DuckDB connection. Credits come back as exact
 * micro-credits (bigint).
 */
import type {DuckDBConnection} from '@duckdb/node-api'

import {microCredits} from '../analysis/aggregate.js'
import {ORG_SQL} from '../analysis/columns.js'
import {currentBudget, withThreadsForBudget} from '../analysis/engine-budget.js'
import {rangeSql} from '../analysis/scope.js'
import type {DayRange} from './days.js'
import {runsOf} from './days.js'
import type {WeekPoint} from './trend.js'
import {rollupSql} from './rollup.js'

/** Credits of one (org, project) on one day. */
export interface DayPoint {
  day: string
  org: string | null
  /** ORGANIZATION_ID: an org budget may name its org by id (README "Budgets"). */
  orgId: string | null
  project: string | null
  /** Whether the rows pass the report's --org/--project/--branch filters. */
  inScope: boolean
  credits: bigint
  jobs: number
  failedCredits: bigint
}

/** SQL selecting JOB_RUN_DATE on any of `days`, as ranges (a week of days is one comparison, not seven). */
export function daysSql(days: Iterable<string>): string {
  const runs = runsOf(days)
  if (runs.length === 0) return 'FALSE'
  return `(${runs.map((run) => `(${rangeSql(run)})`).join(' OR ')})`
}

export const EXPORT_ROLLUP = 'export_rollup'

/**
 * The rollup's GROUP BY (ten keys, sixteen sums) over a whole 1 GB week needs about this much of DuckDB's memory
 * budget per thread: with less, DuckDB stops with "out of memory" instead of spilling (it failed at the default
 * 150 MB with two threads, and ran with one thread, or with two at 250 MB). The budget is the user's to set
 * (CCI_USAGE_MEMORY_LIMIT), so a pass that runs out of memory anyway runs again on fewer threads, not with more.
 */
const ROLLUP_MB_PER_THREAD = 125

/**
 * Rows of a rollup pass per MiB of the budget a thread has. A 14-day export of 1 GB a week (3.4 million rows, the
 * weekly run's with its comparison week) took 3.4 s in one statement on one thread; on two threads at the default
 * 150 MB, in passes of about 1 million rows 2.3 s, and of this rate's 750,000 rows 2.1 s (passes of 1.7 million
 * ran out of memory; bench/RESULTS.md, fourth stop of 2026-12-02). The groups hold the
 * day, so passes over disjoint days make disjoint groups: the same rows as one statement.
 */
const ROLLUP_ROWS_PER_MB_PER_THREAD = 10_000

/** SQL conditions on JOB_RUN_DATE, each a pass of whole days small enough for the threads' share of the budget. */
async function rollupPasses(connection: DuckDBConnection, rowsTable: string, rowsPerPass?: number): Promise<string[]> {
  const {threads, memoryMb} = await currentBudget(connection)
  const perPass = rowsPerPass ?? Math.max(1, Math.floor(((memoryMb ?? 0) / threads) * ROLLUP_ROWS_PER_MB_PER_THREAD))
  const days = (await connection.runAndReadAll(`SELECT CAST(JOB_RUN_DATE AS VARCHAR) AS day, count(*) AS n FROM ${rowsTable} WHERE JOB_RUN_DATE IS NOT NULL GROUP BY ALL ORDER BY 1`)).getRowObjectsJS()
  const passes: string[] = ['JOB_RUN_DATE IS NULL']
  let current: string[] = []
  let rows = 0
  for (const {day, n} of days) {
    if (current.length > 0 && rows + Number(n) > perPass) {
      passes.push(daysSql(current))
      current = []
      rows = 0
    }
    current.push(String(day))
    rows += Number(n)
  }
  if (current.length > 0) passes.push(daysSql(current))
  return passes
}

/**
 * The rollup of every row of the export (`rowsTable`: report_rows' table, before the report's filters), kept in
 * the work database (compressed on disk, like report_rows) and named EXPORT_ROLLUP. A run with a history builds
 * its cube from it (a few times fewer rows than the export) and stores its days from it: one GROUP BY serves both.
 */
export async function createExportRollup(connection: DuckDBConnection, rowsTable: string, options: {rowsPerPass?: number} = {}): Promise<string> {
  const table = `work.${EXPORT_ROLLUP}`
  const passes = await rollupPasses(connection, rowsTable, options.rowsPerPass)
  await connection.run(`CREATE OR REPLACE TABLE ${table} AS ${rollupSql(rowsTable, 'FALSE')}`)
  for (const days of passes) {
    const insert = () => connection.run(`INSERT INTO ${table} ${rollupSql(rowsTable, days)}`)
    // A failed INSERT leaves the table as it was: the pass runs again on the threads the budget surely holds.
    await insert().catch((error: unknown) => {
      if (!String(error).includes('Out of Memory')) throw error
      return withThreadsForBudget(connection, ROLLUP_MB_PER_THREAD, insert)
    })
  }
  await connection.run(`CREATE OR REPLACE TEMP VIEW ${EXPORT_ROLLUP} AS SELECT * FROM work.${EXPORT_ROLLUP}`)
  return EXPORT_ROLLUP
}

/** SQL of the rollup rows in `rollup` of the given days. */
export function rollupOfDays(rollup: string, days: Iterable<string>): string {
  return `SELECT * FROM ${rollup} WHERE ${daysSql(days)}`
}

/** Rows of the export (rolled up in `rollup`) that have no JOB_RUN_DATE: no day can hold them. */
export async function undatedRows(connection: DuckDBConnection, rollup: string): Promise<{rows: number; credits: bigint}> {
  const row = (
    await connection.runAndReadAll(`SELECT COALESCE(SUM(ROWS), 0) AS n, CAST(COALESCE(SUM(TOTAL_CREDITS), 0) AS DECIMAL(38,6)) AS credits FROM ${rollup} WHERE JOB_RUN_DATE IS NULL`)
  ).getRowObjects()[0]
  return {rows: Number(row.n), credits: microCredits(row.credits)}
}

/**
 * Credits per day x org x project of the rollup rows in `relation` for `range`, split by whether they pass the
 * report's filters (`filterSql` over the export's column names; absent: all do). For the recent days only
 * (anomalies, budgets): a year of them is a large array.
 */
export async function dayPoints(connection: DuckDBConnection, relation: string, range: DayRange, filterSql?: string): Promise<DayPoint[]> {
  const inScope = filterSql ? `COALESCE((${filterSql}), FALSE)` : 'TRUE'
  const reader = await connection.runAndReadAll(
    `SELECT CAST(JOB_RUN_DATE AS VARCHAR) AS day, ${ORG_SQL} AS org, ORGANIZATION_ID AS org_id, PROJECT_NAME AS project, ${inScope} AS in_scope,
      CAST(SUM(TOTAL_CREDITS) AS DECIMAL(38,6)) AS credits, SUM(JOBS) AS jobs, CAST(SUM(FAILED_CREDITS) AS DECIMAL(38,6)) AS failed
    FROM ${relation}
    WHERE ${rangeSql(range)}
    GROUP BY ALL ORDER BY ALL`,
  )
  return reader.getRowObjects().map((row) => ({
    day: String(row.day),
    org: row.org === null ? null : String(row.org),
    orgId: row.org_id === null ? null : String(row.org_id),
    project: row.project === null ? null : String(row.project),
    inScope: row.in_scope === true,
    credits: microCredits(row.credits),
    jobs: Number(row.jobs),
    failedCredits: microCredits(row.failed),
  }))
}

export interface TrendData {
  /** Credits per ISO week (its Monday) x org x project, of the rows passing the report's filters. */
  weeks: WeekPoint[]
  /** Credits per day of the rows passing the filters (days without such rows absent). */
  days: Map<string, bigint>
}

/** The trend's weeks and the forecast's days in one pass over the history (GROUPING SETS). */
export async function trendData(connection: DuckDBConnection, relation: string, range: DayRange, filterSql?: string): Promise<TrendData> {
  const reader = await connection.runAndReadAll(
    `WITH rows AS (
      SELECT JOB_RUN_DATE AS day, CAST(JOB_RUN_DATE - CAST(isodow(JOB_RUN_DATE) - 1 AS INTEGER) AS DATE) AS week,
        ${ORG_SQL} AS org, PROJECT_NAME AS project, TOTAL_CREDITS, JOBS, FAILED_CREDITS
      FROM ${relation}
      WHERE ${rangeSql(range)}${filterSql ? ` AND (${filterSql})` : ''}
    )
    SELECT GROUPING(day) = 0 AS by_day, CAST(day AS VARCHAR) AS day, CAST(week AS VARCHAR) AS week, org, project,
      CAST(SUM(TOTAL_CREDITS) AS DECIMAL(38,6)) AS credits, SUM(JOBS) AS jobs, CAST(SUM(FAILED_CREDITS) AS DECIMAL(38,6)) AS failed
    FROM rows GROUP BY GROUPING SETS ((week, org, project), (day)) ORDER BY ALL`,
  )
  const weeks: WeekPoint[] = []
  const days = new Map<string, bigint>()
  for (const row of reader.getRowObjects()) {
    if (row.by_day === true) {
      days.set(String(row.day), microCredits(row.credits))
      continue
    }
    weeks.push({
      week: String(row.week),
      org: row.org === null ? null : String(row.org),
      project: row.project === null ? null : String(row.project),
      credits: microCredits(row.credits),
      jobs: Number(row.jobs),
      failedCredits: microCredits(row.failed),
    })
  }
  return {weeks, days}
}
