/** `parquet:DIR`: every export column, typed and lowercase (columns.ts), partitioned by JOB_RUN_DATE's month. */
import {sqlIdent} from '../analysis/columns.js'
import {dialectType, MONTH_PARTITION, WAREHOUSE_COLUMNS} from './columns.js'
import type {LakeDataset} from './lake.js'

/** Rows without a JOB_RUN_DATE go to `month=unknown`. */
export const UNKNOWN_MONTH = 'unknown'

export function lakeDataset(): LakeDataset {
  const columns = WAREHOUSE_COLUMNS.map(
    (column) => `CAST(${sqlIdent(column.source)} AS ${dialectType('duckdb', column.type)}) AS ${sqlIdent(column.name)}`,
  )
  return {
    select: `SELECT ${columns.join(', ')}, coalesce(strftime(JOB_RUN_DATE, '%Y-%m'), '${UNKNOWN_MONTH}') AS ${MONTH_PARTITION} FROM load_rows`,
    keys: {org: 'organization_id', day: 'job_run_date', job: 'job_id'},
    creditsSum: 'sum(total_credits)',
  }
}
