/**
 * The history's rows: the export rolled up per day x org x project x workflow x job x branch x resource class x
 * executor x status. The keys keep the export's column names, so the report's filters and its cube run on a
 * rollup as they run on the export (aggregate.ts, `preAggregated`). Credits are exact decimals.
 */
import {runMsSql, sqlIdent} from '../analysis/columns.js'
import {CANCELED_SQL, FAILED_SQL} from '../analysis/status-sql.js'
import {CREDIT_COLUMNS} from '../core/usage-columns.js'

export const ROLLUP_KEYS = [
  'JOB_RUN_DATE', 'ORGANIZATION_ID', 'ORGANIZATION_NAME', 'PROJECT_NAME', 'WORKFLOW_NAME', 'JOB_NAME', 'VCS_BRANCH',
  'RESOURCE_CLASS', 'EXECUTOR', 'JOB_BUILD_STATUS',
] as const

/**
 * A day's sum in one group fits DECIMAL(18,6) (up to 10^12 credits, about $600M at list price); it is stored as
 * a 64-bit integer in Parquet, half the bytes of the 128-bit type. A sum that did not fit would fail the cast
 * (an error, never a wrong number).
 */
export const ROLLUP_CREDIT_TYPE = 'DECIMAL(18,6)'

const CREDIT_SUMS = [...CREDIT_COLUMNS, 'OTHER_CREDITS', 'TOTAL_CREDITS'] as const

/** Measure columns and how each is computed from export rows (the report_rows columns). */
export const ROLLUP_MEASURES: ReadonlyArray<readonly [name: string, sql: string]> = [
  ['ROWS', 'COUNT(*)'],
  // Rows with a job: job-less rows (workflows that ran no job) count in credits but not in jobs, as in the report.
  ['JOBS', 'COUNT(JOB_NAME)'],
  // Summed in whole milliseconds, exact in any order (columns.ts, runMsSql): a DOUBLE sum changed with the rows'
  // order and the threads, and so did the history's files and the report made from them. Stored in seconds, which
  // runMsSql turns back to the same milliseconds when the report reads the rollup (aggregate.ts).
  ['RUN_SECONDS', `COALESCE(SUM(${runMsSql('JOB_RUN_SECONDS')}), 0) / 1000`],
  // Rows with a run time, so that averages skip missing values.
  ['RUN_SECONDS_COUNT', 'COUNT(JOB_RUN_SECONDS)'],
  ...CREDIT_SUMS.map((name) => [name, `CAST(COALESCE(SUM(${sqlIdent(name)}), 0) AS ${ROLLUP_CREDIT_TYPE})`] as const),
  ['FAILED_CREDITS', `CAST(COALESCE(SUM(TOTAL_CREDITS) FILTER (WHERE ${FAILED_SQL}), 0) AS ${ROLLUP_CREDIT_TYPE})`],
  ['CANCELED_CREDITS', `CAST(COALESCE(SUM(TOTAL_CREDITS) FILTER (WHERE ${CANCELED_SQL}), 0) AS ${ROLLUP_CREDIT_TYPE})`],
]

export const ROLLUP_COLUMNS: readonly string[] = [...ROLLUP_KEYS, ...ROLLUP_MEASURES.map(([name]) => name)]

/**
 * The rollup of the rows of `relation` (export columns) whose JOB_RUN_DATE satisfies `daysSql`. Not sorted:
 * sorting made the files about a quarter smaller but their writing several times slower, and the files are far
 * below their size budget anyway (README "History").
 */
export function rollupSql(relation: string, daysSql: string): string {
  const keys = ROLLUP_KEYS.map((name) => sqlIdent(name)).join(', ')
  const measures = ROLLUP_MEASURES.map(([name, sql]) => `${sql} AS ${sqlIdent(name)}`).join(', ')
  return `SELECT ${keys}, ${measures} FROM ${relation} WHERE ${daysSql} GROUP BY ${keys}`
}

/** A relation with the rollup's columns and types and no row: what a history without files reads as. */
export function emptyRollupSql(): string {
  const typeOf = (name: string): string => {
    if (name === 'JOB_RUN_DATE') return 'DATE'
    if (name === 'RUN_SECONDS') return 'DOUBLE'
    if (name === 'ROWS' || name === 'JOBS' || name === 'RUN_SECONDS_COUNT') return 'BIGINT'
    return (ROLLUP_KEYS as readonly string[]).includes(name) ? 'VARCHAR' : ROLLUP_CREDIT_TYPE
  }
  return `(SELECT ${ROLLUP_COLUMNS.map((name) => `CAST(NULL AS ${typeOf(name)}) AS ${sqlIdent(name)}`).join(', ')} WHERE FALSE)`
}

/** The daily files' columns: a month's rollup summed per day x org x project, named as in the rollup. */
export const DAILY_KEYS = ['JOB_RUN_DATE', 'ORGANIZATION_ID', 'ORGANIZATION_NAME', 'PROJECT_NAME'] as const

/** The daily rows of rollup rows in `relation`. */
export function dailySql(relation: string): string {
  const keys = DAILY_KEYS.map((name) => sqlIdent(name)).join(', ')
  return `SELECT ${keys}, CAST(SUM(TOTAL_CREDITS) AS ${ROLLUP_CREDIT_TYPE}) AS TOTAL_CREDITS, CAST(SUM(JOBS) AS BIGINT) AS JOBS,
    CAST(SUM(FAILED_CREDITS) AS ${ROLLUP_CREDIT_TYPE}) AS FAILED_CREDITS FROM ${relation} GROUP BY ${keys}`
}
