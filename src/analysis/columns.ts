/**
 * The 48 columns of a CircleCI Usage API export and the SQL type each one has in the `usage` view (the view
 * contract the savings module and the report share). Order is the export's own order.
 */
import {NAME_COLUMNS, unescapeSql} from '../core/export-escapes.js'
import {CREDIT_COLUMNS, USAGE_COLUMNS, type UsageColumn} from '../core/usage-columns.js'

export type ColumnType = 'VARCHAR' | 'DECIMAL(38,6)' | 'DOUBLE' | 'INTEGER' | 'DATE' | 'TIMESTAMP'

export const CREDIT_TYPE = 'DECIMAL(38,6)' as const

/**
 * An organization as every figure names it: its name, else its id. Two organizations of a shared plan exported
 * without names are two, not one pooled under NULL.
 */
export const ORG_SQL = 'COALESCE(ORGANIZATION_NAME, ORGANIZATION_ID)'

const TIMESTAMP_COLUMNS = new Set([
  'LAST_BUILD_FINISHED_AT', 'PIPELINE_CREATED_AT', 'WORKFLOW_FIRST_JOB_QUEUED_AT', 'WORKFLOW_FIRST_JOB_STARTED_AT',
  'WORKFLOW_STOPPED_AT', 'JOB_RUN_QUEUED_AT', 'JOB_RUN_STARTED_AT', 'JOB_RUN_STOPPED_AT',
])
const DOUBLE_COLUMNS = new Set([
  'JOB_RUN_SECONDS', 'MEDIAN_CPU_UTILIZATION_PCT', 'MAX_CPU_UTILIZATION_PCT', 'MEDIAN_RAM_UTILIZATION_PCT', 'MAX_RAM_UTILIZATION_PCT',
])

function columnType(name: UsageColumn): ColumnType {
  if (name === 'TOTAL_CREDITS' || (CREDIT_COLUMNS as readonly string[]).includes(name)) return CREDIT_TYPE
  if (TIMESTAMP_COLUMNS.has(name)) return 'TIMESTAMP'
  if (DOUBLE_COLUMNS.has(name)) return 'DOUBLE'
  if (name === 'JOB_RUN_DATE') return 'DATE'
  if (name === 'PARALLELISM') return 'INTEGER'
  return 'VARCHAR'
}

export const EXPORT_COLUMNS: ReadonlyArray<readonly [name: string, type: ColumnType]> = USAGE_COLUMNS.map(
  (name) => [name, columnType(name)] as const,
)

export const KNOWN_COLUMN_TYPES: ReadonlyMap<string, ColumnType> = new Map(EXPORT_COLUMNS)

/** Without these a file is not a usage export at all (rather than an export missing optional columns). */
export const REQUIRED_COLUMNS = ['PROJECT_NAME', 'TOTAL_CREDITS'] as const

/**
 * A run time in whole milliseconds, from a DOUBLE of seconds, to be summed. Fractional seconds summed as DOUBLEs
 * depend on the order they are added in, which a parallel GROUP BY changes with the threads and from run to run:
 * a group's computeMinutes read 217.54 in one run and 217.55 in the next. Whole numbers add up exactly in a DOUBLE,
 * in any order, while the sum stays below 2^53 ms (285,000 years of run time in one group), and whole seconds,
 * what the API gives, keep their figures. Still a DOUBLE, not a BIGINT: the cube's HUGEINT sums of BIGINTs made
 * the breakdowns ~60 ms slower on 1 GB, and a malformed cell (1e300, inf) reads as before instead of overflowing.
 */
export function runMsSql(seconds: string): string {
  return `round(${seconds} * 1000)`
}

/** Extra credit columns CircleCI may add later are summed into OTHER_CREDITS rather than dropped. */
export function isUnknownCreditColumn(upperName: string): boolean {
  return upperName.endsWith('_CREDITS') && !KNOWN_COLUMN_TYPES.has(upperName)
}

/** Double-quoted SQL identifier. */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** The export's column `name` in SQL as it is shown and stored: a name column unescaped (core/export-escapes.ts). */
export function shownValueSql(name: string): string {
  return NAME_COLUMNS.has(name) ? unescapeSql(sqlIdent(name)) : sqlIdent(name)
}

/** Single-quoted SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

/** A value JavaScript hands to DuckDB: a string, a whole number, or NULL. */
export type SqlValue = string | bigint | number | null

/** `value` as a SQL literal: a quoted string, NULL, or the number as written. */
export function sqlLiteral(value: SqlValue): string {
  if (value === null) return 'NULL'
  return typeof value === 'string' ? sqlString(value) : String(value)
}
