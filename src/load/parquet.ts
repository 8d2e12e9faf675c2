/**
 * `parquet:DIR`: every export column, typed and lowercase (columns.ts), partitioned by JOB_RUN_DATE's month (rows
 * without one in `month=unknown`). The files are the rows stage.ts wrote, published as they are unless the
 * load drops some of them.
 */
import type {LakeDataset} from './lake.js'

export function lakeDataset(): LakeDataset {
  return {select: null, keys: {org: 'organization_id', day: 'job_run_date', job: 'job_id', started: 'job_run_started_at'}, credits: 'total_credits', rowPerInputRow: true}
}
