/**
 * What the health section adds to the report's one scan (report_rows), as [name, SQL over the usage view].
 * Narrow on purpose (issue 13: the report may take at most 15 % longer with health than without): timestamps
 * are reduced at scan time to what the queries need, a duration in milliseconds or one timestamp, instead of
 * being stored in pairs.
 */
export const HEALTH_ROW_COLUMNS: ReadonlyArray<readonly [name: string, sql: string]> = [
  ['PIPELINE_ID', 'PIPELINE_ID'],
  ['WORKFLOW_ID', 'WORKFLOW_ID'],
  ['PIPELINE_TRIGGER_SOURCE', 'PIPELINE_TRIGGER_SOURCE'],
  // NULL while the workflow is still running (no WORKFLOW_STOPPED_AT): neither a success nor a failure yet.
  ['WORKFLOW_SUCCEEDED', "CASE WHEN WORKFLOW_STOPPED_AT IS NULL THEN NULL ELSE lower(IS_WORKFLOW_SUCCESSFUL) = 'true' END"],
  ['WORKFLOW_MS', "date_diff('millisecond', WORKFLOW_FIRST_JOB_QUEUED_AT, WORKFLOW_STOPPED_AT)"],
  // When this attempt of the workflow began, to order reruns: its own first-queued time, else the row's job times.
  ['WORKFLOW_ATTEMPT_AT', 'COALESCE(WORKFLOW_FIRST_JOB_QUEUED_AT, JOB_RUN_QUEUED_AT, JOB_RUN_STARTED_AT)'],
  ['JOB_QUEUE_MS', "date_diff('millisecond', JOB_RUN_QUEUED_AT, JOB_RUN_STARTED_AT)"],
]

/** Only with --flaky-tests: what an Insights project slug is made of (constant per project, so cheap to store). */
export const FLAKY_ROW_COLUMNS: ReadonlyArray<readonly [name: string, sql: string]> = [
  ['VCS_NAME', 'VCS_NAME'],
  ['VCS_URL', 'VCS_URL'],
  ['PROJECT_ID', 'PROJECT_ID'],
]
