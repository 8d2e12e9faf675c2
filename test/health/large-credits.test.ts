/**
 * A job run of a million credits or more (a long GPU or macOS job, a lease): found by the history fuzz
 * (/tmp/fuzz-history), where such a row stopped the whole report with a DuckDB overflow ("Overflow in
 * multiplication of DECIMAL(18)") before any figure, and the run before its history update.
 */
import {describe, expect, test} from '@jest/globals'

import {row} from '../savings/view.js'
import {at, reportOfRows} from './report.js'

function run(values: Parameters<typeof row>[0]) {
  return row({
    PIPELINE_NUMBER: 1,
    WORKFLOW_ID: 'w-1',
    PIPELINE_TRIGGER_SOURCE: 'webhook',
    VCS_BRANCH: 'main',
    IS_WORKFLOW_SUCCESSFUL: 'false',
    WORKFLOW_FIRST_JOB_QUEUED_AT: at(0),
    WORKFLOW_STOPPED_AT: at(600),
    JOB_RUN_QUEUED_AT: at(0),
    JOB_RUN_STARTED_AT: at(1),
    JOB_RUN_SECONDS: 100,
    ...values,
  })
}

describe('health with job runs of a million credits and more', () => {
  test('sums them exactly, as the report totals do', async () => {
    const summary = await reportOfRows([
      run({JOB_BUILD_STATUS: 'success', TOTAL_CREDITS: '1000000.000001'}),
      run({JOB_BUILD_STATUS: 'failed', TOTAL_CREDITS: '2977104.96'}),
      run({JOB_BUILD_STATUS: 'canceled', TOTAL_CREDITS: '0.5'}),
    ])
    expect(summary.totals.credits.total).toBe(3977105.460001)
    expect(summary.health?.jobs[0]).toMatchObject({runs: 3, credits: 3977105.460001, failedCredits: 2977104.96, canceledCredits: 0.5})
  })
})
