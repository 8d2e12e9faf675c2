/**
 * What the health section adds to the report's one scan (report_rows), as [name, SQL over the usage view].
 * Narrow on purpose (issue 13: the report may take at most 15 % longer with health than without; measured on
 * the bench export, a VARCHAR id column costs about as much as three integer ones):
 * - a pipeline is (org, project, PIPELINE_NUMBER), which CircleCI numbers per project, so its UUID need not be
 *   stored; a workflow run is a 64-bit hash of WORKFLOW_ID, compared within one pipeline (a handful of runs),
 *   or among the runs without a PIPELINE_NUMBER (few), where a collision is as good as impossible (~n^2 / 2^65);
 * - timestamps are reduced at scan time to what the queries need: two durations and one time.
 */
export const HEALTH_ROW_COLUMNS: ReadonlyArray<readonly [name: string, sql: string]> = [
  ['PIPELINE_NUMBER', 'TRY_CAST(PIPELINE_NUMBER AS BIGINT)'],
  ['WORKFLOW_KEY', 'CASE WHEN WORKFLOW_ID IS NULL THEN NULL ELSE hash(WORKFLOW_ID) END'],
  ['PIPELINE_TRIGGER_SOURCE', 'PIPELINE_TRIGGER_SOURCE'],
  // NULL while the workflow is still running (no WORKFLOW_STOPPED_AT): neither a success nor a failure yet.
  ['WORKFLOW_SUCCEEDED', "CASE WHEN WORKFLOW_STOPPED_AT IS NULL THEN NULL ELSE CAST(IS_WORKFLOW_SUCCESSFUL AS BOOLEAN) END"],
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
