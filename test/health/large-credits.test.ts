/**
 * A job run of a million credits or more (a long GPU or macOS job, a lease): found by the history fuzz
 * (/tmp/fuzz-history), where such a row stopped the whole report with a DuckDB overflow ("Overflow in
 * multiplication of DECIMAL(18)") before any figure, and the run before its history update.
 */
import {describe, expect, test} from '@jest/globals'

import {at, reportOfRows, run} from './report.js'

/** Three runs of one job, each started a second after it was queued. */
const started = {JOB_RUN_QUEUED_AT: at(0), JOB_RUN_STARTED_AT: at(1), JOB_RUN_SECONDS: 100}

describe('health with job runs of a million credits and more', () => {
  test('sums them exactly, as the report totals do', async () => {
    const summary = await reportOfRows([
      run({...started, JOB_BUILD_STATUS: 'success', TOTAL_CREDITS: '1000000.000001'}),
      run({...started, JOB_BUILD_STATUS: 'failed', TOTAL_CREDITS: '2977104.96'}),
      run({...started, JOB_BUILD_STATUS: 'canceled', TOTAL_CREDITS: '0.5'}),
    ])
    expect(summary.totals.credits.total).toBe(3977105.460001)
    expect(summary.health?.jobs[0]).toMatchObject({runs: 3, credits: 3977105.460001, failedCredits: 2977104.96, canceledCredits: 0.5})
  })
})
