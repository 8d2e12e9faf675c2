import {sqlString} from './columns.js'
import {NOT_STARTED_STATUSES} from './summary.js'

/*
 * The job-status predicates every query shares (savings, health, the history's rollup), so that "failed" and
 * "started" mean the same rows everywhere and the figures reconcile with summary.failed. JOB_BUILD_STATUS is
 * compared as exported: CircleCI writes it lower-case, as the breakdowns' `status = 'failed'` assumes.
 */

/** Rows of a job that started: jobs that never did are export rows but not runs (a blocked job is no attempt). */
export const STARTED_SQL = `(JOB_BUILD_STATUS IS NULL OR JOB_BUILD_STATUS NOT IN (${NOT_STARTED_STATUSES.map((status) => sqlString(status)).join(', ')}))`
export const FAILED_SQL = "JOB_BUILD_STATUS = 'failed'"
export const CANCELED_SQL = "JOB_BUILD_STATUS = 'canceled'"
/** CircleCI's failing job statuses: a workflow with one of these and no success failed rather than was canceled. */
export const FAILING_SQL = "JOB_BUILD_STATUS IN ('failed', 'infrastructure_fail', 'timedout')"
