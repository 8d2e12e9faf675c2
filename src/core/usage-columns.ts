/**
 * The 48 columns of a real Usage API export, in the order the API writes them. The one list every stage uses:
 * the simulator serves it, export writes it as the header of an empty export, the analysis view types it.
 */
export const USAGE_COLUMNS = [
  'ORGANIZATION_ID', 'ORGANIZATION_NAME', 'ORGANIZATION_CREATED_DATE', 'PROJECT_ID', 'PROJECT_NAME',
  'PROJECT_CREATED_DATE', 'LAST_BUILD_FINISHED_AT', 'VCS_NAME', 'VCS_URL', 'VCS_BRANCH', 'PIPELINE_ID',
  'PIPELINE_CREATED_AT', 'PIPELINE_NUMBER', 'IS_UNREGISTERED_USER', 'PIPELINE_TRIGGER_SOURCE',
  'PIPELINE_TRIGGER_USER_ID', 'WORKFLOW_ID', 'WORKFLOW_NAME', 'WORKFLOW_FIRST_JOB_QUEUED_AT',
  'WORKFLOW_FIRST_JOB_STARTED_AT', 'WORKFLOW_STOPPED_AT', 'IS_WORKFLOW_SUCCESSFUL', 'JOB_NAME', 'JOB_RUN_NUMBER',
  'JOB_ID', 'JOB_RUN_DATE', 'JOB_RUN_QUEUED_AT', 'JOB_RUN_STARTED_AT', 'JOB_RUN_STOPPED_AT', 'JOB_BUILD_STATUS',
  'RESOURCE_CLASS', 'OPERATING_SYSTEM', 'EXECUTOR', 'PARALLELISM', 'JOB_RUN_SECONDS', 'MEDIAN_CPU_UTILIZATION_PCT',
  'MAX_CPU_UTILIZATION_PCT', 'MEDIAN_RAM_UTILIZATION_PCT', 'MAX_RAM_UTILIZATION_PCT', 'COMPUTE_CREDITS',
  'DLC_CREDITS', 'USER_CREDITS', 'STORAGE_CREDITS', 'NETWORK_CREDITS', 'LEASE_CREDITS', 'LEASE_OVERAGE_CREDITS',
  'IPRANGES_CREDITS', 'TOTAL_CREDITS',
] as const

export type UsageColumn = (typeof USAGE_COLUMNS)[number]

/** The eight credit columns whose sum is TOTAL_CREDITS on every row. */
export const CREDIT_COLUMNS = [
  'COMPUTE_CREDITS', 'DLC_CREDITS', 'USER_CREDITS', 'STORAGE_CREDITS', 'NETWORK_CREDITS', 'LEASE_CREDITS',
  'LEASE_OVERAGE_CREDITS', 'IPRANGES_CREDITS',
] as const satisfies readonly UsageColumn[]

/** What each credit column meters, as the report's credit-type table and FOCUS's SkuMeter name it. */
export const CREDIT_LABELS: Readonly<Record<(typeof CREDIT_COLUMNS)[number], string>> = {
  COMPUTE_CREDITS: 'Compute',
  DLC_CREDITS: 'Docker layer caching',
  USER_CREDITS: 'User seats',
  STORAGE_CREDITS: 'Storage',
  NETWORK_CREDITS: 'Network',
  LEASE_CREDITS: 'Lease',
  LEASE_OVERAGE_CREDITS: 'Lease overage',
  IPRANGES_CREDITS: 'IP ranges',
}

/** The credits of an export's credit columns beyond the eight (OTHER_CREDITS), in the same tables. */
export const OTHER_CREDITS_LABEL = 'Other credit columns'

/** The export's null: the literal three characters backslash, backslash, N. */
export const CSV_NULL = '\\\\N'
