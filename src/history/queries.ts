/**
 * The history's reads and the rollup of an export, on the report's DuckDB connection. Credits come back as exact
 * micro-credits (bigint).
 */
import type {DuckDBConnection} from '@duckdb/node-api'

import {microCredits} from '../analysis/aggregate.js'
import {sqlString} from '../analysis/columns.js'
import type {DayRange} from './days.js'
import {runsOf} from './days.js'
import {rollupSql} from './rollup.js'

/** Credits of one (org, project) on one day. */
export interface DayPoint {
  day: string
  org: string | null
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
  return `(${runs.map((run) => `(JOB_RUN_DATE >= DATE ${sqlString(run.start)} AND JOB_RUN_DATE < DATE ${sqlString(run.end)})`).join(' OR ')})`
}

/** The rollup of `days` of the export rows in `relation` (every row, before the report's filters) as a temp table. */
export async function createRollupTable(connection: DuckDBConnection, relation: string, days: Iterable<string>, table: string): Promise<void> {
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${table} AS ${rollupSql(relation, daysSql(days))}`)
}

/** Rows of the export that have no JOB_RUN_DATE: no day can hold them. */
export async function undatedRows(connection: DuckDBConnection, relation: string): Promise<{rows: number; credits: bigint}> {
  const row = (await connection.runAndReadAll(`SELECT COUNT(*) AS n, CAST(COALESCE(SUM(TOTAL_CREDITS), 0) AS DECIMAL(38,6)) AS credits FROM ${relation} WHERE JOB_RUN_DATE IS NULL`)).getRowObjects()[0]
  return {rows: Number(row.n), credits: microCredits(row.credits)}
}

/**
 * Credits per day x org x project of the rollup rows in `relation` for `range`, split by whether they pass the
 * report's filters (`filterSql` over the export's column names; absent: all do).
 */
export async function dayPoints(connection: DuckDBConnection, relation: string, range: DayRange, filterSql?: string): Promise<DayPoint[]> {
  const inScope = filterSql ? `COALESCE((${filterSql}), FALSE)` : 'TRUE'
  const reader = await connection.runAndReadAll(
    `SELECT CAST(JOB_RUN_DATE AS VARCHAR) AS day, COALESCE(ORGANIZATION_NAME, ORGANIZATION_ID) AS org, PROJECT_NAME AS project, ${inScope} AS in_scope,
      CAST(SUM(TOTAL_CREDITS) AS DECIMAL(38,6)) AS credits, SUM(JOBS) AS jobs, CAST(SUM(FAILED_CREDITS) AS DECIMAL(38,6)) AS failed
    FROM ${relation}
    WHERE JOB_RUN_DATE >= DATE ${sqlString(range.start)} AND JOB_RUN_DATE < DATE ${sqlString(range.end)}
    GROUP BY ALL ORDER BY ALL`,
  )
  return reader.getRowObjects().map((row) => ({
    day: String(row.day),
    org: row.org === null ? null : String(row.org),
    project: row.project === null ? null : String(row.project),
    inScope: row.in_scope === true,
    credits: microCredits(row.credits),
    jobs: Number(row.jobs),
    failedCredits: microCredits(row.failed),
  }))
}
