/**
 * The 48 columns of a CircleCI Usage API export and the SQL type each one has in the `usage` view (the view
 * contract the savings module and the report share). Order is the export's own order.
 */
export type ColumnType = 'VARCHAR' | 'DECIMAL(38,6)' | 'DOUBLE' | 'INTEGER' | 'DATE' | 'TIMESTAMP'

export const CREDIT_TYPE = 'DECIMAL(38,6)' as const

export const EXPORT_COLUMNS: ReadonlyArray<readonly [name: string, type: ColumnType]> = [
  ['ORGANIZATION_ID', 'VARCHAR'],
  ['ORGANIZATION_NAME', 'VARCHAR'],
  ['ORGANIZATION_CREATED_DATE', 'VARCHAR'],
  ['PROJECT_ID', 'VARCHAR'],
  ['PROJECT_NAME', 'VARCHAR'],
  ['PROJECT_CREATED_DATE', 'VARCHAR'],
  ['LAST_BUILD_FINISHED_AT', 'TIMESTAMP'],
  ['VCS_NAME', 'VARCHAR'],
  ['VCS_URL', 'VARCHAR'],
  ['VCS_BRANCH', 'VARCHAR'],
  ['PIPELINE_ID', 'VARCHAR'],
  ['PIPELINE_CREATED_AT', 'TIMESTAMP'],
  ['PIPELINE_NUMBER', 'VARCHAR'],
  ['IS_UNREGISTERED_USER', 'VARCHAR'],
  ['PIPELINE_TRIGGER_SOURCE', 'VARCHAR'],
  ['PIPELINE_TRIGGER_USER_ID', 'VARCHAR'],
  ['WORKFLOW_ID', 'VARCHAR'],
  ['WORKFLOW_NAME', 'VARCHAR'],
  ['WORKFLOW_FIRST_JOB_QUEUED_AT', 'TIMESTAMP'],
  ['WORKFLOW_FIRST_JOB_STARTED_AT', 'TIMESTAMP'],
  ['WORKFLOW_STOPPED_AT', 'TIMESTAMP'],
  ['IS_WORKFLOW_SUCCESSFUL', 'VARCHAR'],
  ['JOB_NAME', 'VARCHAR'],
  ['JOB_RUN_NUMBER', 'VARCHAR'],
  ['JOB_ID', 'VARCHAR'],
  ['JOB_RUN_DATE', 'DATE'],
  ['JOB_RUN_QUEUED_AT', 'TIMESTAMP'],
  ['JOB_RUN_STARTED_AT', 'TIMESTAMP'],
  ['JOB_RUN_STOPPED_AT', 'TIMESTAMP'],
  ['JOB_BUILD_STATUS', 'VARCHAR'],
  ['RESOURCE_CLASS', 'VARCHAR'],
  ['OPERATING_SYSTEM', 'VARCHAR'],
  ['EXECUTOR', 'VARCHAR'],
  ['PARALLELISM', 'INTEGER'],
  ['JOB_RUN_SECONDS', 'DOUBLE'],
  ['MEDIAN_CPU_UTILIZATION_PCT', 'DOUBLE'],
  ['MAX_CPU_UTILIZATION_PCT', 'DOUBLE'],
  ['MEDIAN_RAM_UTILIZATION_PCT', 'DOUBLE'],
  ['MAX_RAM_UTILIZATION_PCT', 'DOUBLE'],
  ['COMPUTE_CREDITS', CREDIT_TYPE],
  ['DLC_CREDITS', CREDIT_TYPE],
  ['USER_CREDITS', CREDIT_TYPE],
  ['STORAGE_CREDITS', CREDIT_TYPE],
  ['NETWORK_CREDITS', CREDIT_TYPE],
  ['LEASE_CREDITS', CREDIT_TYPE],
  ['LEASE_OVERAGE_CREDITS', CREDIT_TYPE],
  ['IPRANGES_CREDITS', CREDIT_TYPE],
  ['TOTAL_CREDITS', CREDIT_TYPE],
]

export const KNOWN_COLUMN_TYPES: ReadonlyMap<string, ColumnType> = new Map(EXPORT_COLUMNS)

/** Without these a file is not a usage export at all (rather than an export missing optional columns). */
export const REQUIRED_COLUMNS = ['PROJECT_NAME', 'TOTAL_CREDITS'] as const

/** Extra credit columns CircleCI may add later are summed into OTHER_CREDITS rather than dropped. */
export function isUnknownCreditColumn(upperName: string): boolean {
  return upperName.endsWith('_CREDITS') && !KNOWN_COLUMN_TYPES.has(upperName)
}

/** Double-quoted SQL identifier. */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** Single-quoted SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}
