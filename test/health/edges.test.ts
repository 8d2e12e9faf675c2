import {describe, expect, test} from '@jest/globals'

import {at, reportOfRows, run} from './report.js'

/**
 * Health's figures where a plausible slip would change them and the other health tests would not notice: the
 * README's definitions at their edges (a zero queue, a canceled job beside a failed one, a job-less row in a rerun
 * attempt, a status that fails without being `failed`).
 */

/** R-7 (README "Percentiles"): h = (n - 1) q, x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]). */
function r7(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  const h = (sorted.length - 1) * q
  const low = Math.floor(h)
  return sorted[low] + (h - low) * (sorted[Math.min(low + 1, sorted.length - 1)] - sorted[low])
}

/** p50 and p95 of `values`, R-7. */
function p50p95(values: number[]): [number, number] {
  return [r7(values, 0.5), r7(values, 0.95)]
}

describe('queue and workflow durations', () => {
  test('a job started the instant it was queued has a queue of 0 s, and counts in the percentiles ("start not before queue")', async () => {
    const queues = [0, 0, 10, 30]
    const summary = await reportOfRows(queues.map((seconds) => run({JOB_RUN_QUEUED_AT: at(0), JOB_RUN_STARTED_AT: at(seconds)})))
    const job = summary.health?.jobs[0]
    const [p50, p95] = p50p95(queues)
    expect(job?.queueP50Seconds).toBeCloseTo(p50, 6)
    expect(job?.queueP95Seconds).toBeCloseTo(p95, 6)
  })

  test('a workflow stopped the instant it was queued lasted 0 s, and counts in the percentiles', async () => {
    const durations = [0, 120, 600]
    const summary = await reportOfRows(
      durations.map((seconds, index) => run({WORKFLOW_ID: `w-${index}`, PIPELINE_NUMBER: index + 1, WORKFLOW_FIRST_JOB_QUEUED_AT: at(0), WORKFLOW_STOPPED_AT: at(seconds)})),
    )
    const workflow = summary.health?.workflows[0]
    const [p50, p95] = p50p95(durations)
    expect(workflow?.durationP50Seconds).toBeCloseTo(p50, 6)
    expect(workflow?.durationP95Seconds).toBeCloseTo(p95, 6)
  })
})

describe('percentiles to the micro-unit', () => {
  /** The R-7 median of two values of six decimals, exactly, rounded half up to six decimals (what summary.json writes). */
  function exactMedian(a: string, b: string): number {
    const micro = (value: string) => BigInt(value.replace('.', ''))
    const sum = micro(a) + micro(b)
    return Number((sum + 1n) / 2n) / 1e6
  }

  test('a percentile is rounded from its exact value: runs of 2.000001 and 2.000002 s have a median of 2.0000015 s, written 2.000002', async () => {
    const seconds = ['2.000001', '2.000002']
    // The double DuckDB interpolates reads 2.0000014999999998, which rounded to six decimals was 2.000001.
    expect(Math.round(r7(seconds.map(Number), 0.5) * 1e6) / 1e6).toBe(2.000001)
    const summary = await reportOfRows(seconds.map((value, index) => run({JOB_ID: `j-${index}`, JOB_RUN_SECONDS: value})))
    expect(summary.health?.jobs[0].durationP50Seconds).toBe(exactMedian(seconds[0], seconds[1]))
    expect(summary.health?.jobs[0].durationP50Seconds).toBe(2.000002)
  })

  test('the credits per pipeline too: pipelines of 2.000001 and 2.000002 credits have a median of 2.000002', async () => {
    const credits = ['2.000001', '2.000002']
    const summary = await reportOfRows(credits.map((value, index) => run({PIPELINE_NUMBER: index + 1, WORKFLOW_ID: `w-${index}`, COMPUTE_CREDITS: value, TOTAL_CREDITS: value})))
    expect(summary.health?.pipelines.creditsP50).toBe(exactMedian(credits[0], credits[1]))
  })
})

describe('workflow outcomes', () => {
  test('a stopped run with a canceled job and a failing one (failed, infrastructure_fail, timedout) failed: it is not canceled and stays in the success rate', async () => {
    const unsuccessful = {IS_WORKFLOW_SUCCESSFUL: 'false'}
    const summary = await reportOfRows([
      run({WORKFLOW_ID: 'green'}),
      // Canceled only: a canceled run.
      run({...unsuccessful, WORKFLOW_ID: 'stopped', JOB_BUILD_STATUS: 'canceled'}),
      // A canceled job beside each failing status: failed runs.
      ...['failed', 'infrastructure_fail', 'timedout'].flatMap((failing) => [
        run({...unsuccessful, WORKFLOW_ID: `red-${failing}`, JOB_NAME: 'test', JOB_BUILD_STATUS: failing}),
        run({...unsuccessful, WORKFLOW_ID: `red-${failing}`, JOB_NAME: 'deploy', JOB_BUILD_STATUS: 'canceled'}),
      ]),
    ])
    const finished = 5
    const canceled = 1
    expect(summary.health?.workflows[0]).toMatchObject({runs: finished, finishedRuns: finished, successfulRuns: 1, canceledRuns: canceled, successRate: 1 / (finished - canceled)})
  })
})

describe('waste: reruns', () => {
  test('a row without a JOB_NAME in an earlier attempt is rerun spend in credits, not in job runs', async () => {
    const first = {PIPELINE_NUMBER: 3, WORKFLOW_ID: 'a-1', WORKFLOW_FIRST_JOB_QUEUED_AT: at(0), IS_WORKFLOW_SUCCESSFUL: 'false'}
    const second = {PIPELINE_NUMBER: 3, WORKFLOW_ID: 'a-2', WORKFLOW_FIRST_JOB_QUEUED_AT: at(3600)}
    const credits = {build: 5, jobless: 3}
    const summary = await reportOfRows([
      run({...first, JOB_NAME: 'build', JOB_BUILD_STATUS: 'failed', TOTAL_CREDITS: credits.build}),
      run({...first, JOB_NAME: null, JOB_BUILD_STATUS: null, TOTAL_CREDITS: credits.jobless}),
      run({...second, JOB_NAME: 'build', TOTAL_CREDITS: 8}),
    ])
    expect(summary.waste?.reruns).toMatchObject({credits: credits.build + credits.jobless, jobs: 1, attempts: 1})
    // Counted once: build's 5 are failed spend too.
    expect(summary.waste?.total).toBe(credits.build + credits.jobless)
  })
})

describe('trigger sources', () => {
  test('count job rows: a row without a JOB_NAME is credits, not a job (as in every breakdown)', async () => {
    const summary = await reportOfRows([
      run({PIPELINE_TRIGGER_SOURCE: 'api', TOTAL_CREDITS: 4}),
      run({PIPELINE_TRIGGER_SOURCE: 'api', JOB_NAME: null, JOB_BUILD_STATUS: null, TOTAL_CREDITS: 6}),
    ])
    expect(summary.health?.triggerSources).toEqual([expect.objectContaining({key: 'api', jobs: 1, credits: 10})])
    expect(summary.health?.triggerSources[0].jobs).toBe(summary.totals.jobs)
  })
})

describe('failed spend', () => {
  test('is the rows with JOB_BUILD_STATUS failed only, as summary.failed: infrastructure_fail and timedout are neither failed runs nor failed credits', async () => {
    const summary = await reportOfRows([
      run({JOB_BUILD_STATUS: 'failed', TOTAL_CREDITS: 7}),
      run({JOB_BUILD_STATUS: 'infrastructure_fail', TOTAL_CREDITS: 11}),
      run({JOB_BUILD_STATUS: 'timedout', TOTAL_CREDITS: 13}),
    ])
    expect(summary.failed.credits).toBe(7)
    expect(summary.waste?.failed).toMatchObject({credits: summary.failed.credits, jobs: 1})
    expect(summary.health?.jobs[0]).toMatchObject({failedRuns: 1, failedCredits: summary.failed.credits})
  })
})
