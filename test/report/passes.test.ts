/**
 * Percentiles in passes (src/analysis/passes.ts): a report whose savings and health queries run in many passes
 * (CCI_USAGE_ROWS_PER_PASS small) is identical, figure for figure and in the same order, to the one-pass report.
 */
import {afterEach, describe, expect, test} from '@jest/globals'

import {passCount, rowsPerPass, ROWS_PER_PASS} from '../../src/analysis/passes.js'
import {BadInputError} from '../../src/core/errors.js'
import {at, reportOfRows} from '../health/report.js'
import {row, type RowValues} from '../savings/view.js'

/** Deterministic rows: 36 jobs in 6 projects, quiet and busy ones on several classes, reruns and queue times. */
function rows(): RowValues[] {
  let seed = 7
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
  const classes = ['large', 'xlarge', 'medium', 'small']
  const result: RowValues[] = []
  for (let job = 0; job < 36; job++) {
    const busy = job % 3 === 0
    const quiet = job % 3 === 1
    const runs = 5 + (job % 7)
    for (let index = 0; index < runs; index++) {
      const cpu = busy ? 85 + Math.round(random() * 10) : quiet ? 5 + Math.round(random() * 15) : 30 + Math.round(random() * 50)
      const seconds = 30 + Math.round(random() * 900)
      const start = index * 3600 + job * 7
      result.push(row({
        PROJECT_NAME: `project-${job % 6}`,
        WORKFLOW_NAME: job % 2 === 0 ? 'build' : 'deploy',
        JOB_NAME: `job-${job}`,
        RESOURCE_CLASS: classes[(job + (index % 5 === 4 ? 1 : 0)) % classes.length],
        JOB_BUILD_STATUS: index % 6 === 5 ? 'failed' : index % 9 === 8 ? 'canceled' : 'success',
        JOB_RUN_SECONDS: seconds,
        MEDIAN_CPU_UTILIZATION_PCT: index % 8 === 7 ? null : cpu,
        MAX_CPU_UTILIZATION_PCT: index % 8 === 7 ? null : Math.min(100, cpu + 10),
        MEDIAN_RAM_UTILIZATION_PCT: index % 8 === 7 ? null : quiet ? 10 : 50,
        MAX_RAM_UTILIZATION_PCT: index % 8 === 7 ? null : quiet ? 15 : 60,
        COMPUTE_CREDITS: seconds / 10,
        TOTAL_CREDITS: seconds / 10 + 0.125,
        PIPELINE_NUMBER: 1 + Math.floor(index / 2),
        WORKFLOW_ID: `w-${job % 6}-${Math.floor(index / 2)}-${index % 2}`,
        PIPELINE_TRIGGER_SOURCE: index % 4 === 0 ? 'api' : 'webhook',
        VCS_BRANCH: index % 3 === 0 ? 'main' : 'feature/x',
        IS_WORKFLOW_SUCCESSFUL: index % 6 === 5 ? 'false' : 'true',
        WORKFLOW_FIRST_JOB_QUEUED_AT: at(start),
        WORKFLOW_STOPPED_AT: at(start + seconds + 60),
        JOB_RUN_QUEUED_AT: at(start),
        JOB_RUN_STARTED_AT: at(start + Math.round(random() * 30)),
      }))
    }
  }
  return result
}

const saved = process.env.CCI_USAGE_ROWS_PER_PASS

afterEach(() => {
  if (saved === undefined) delete process.env.CCI_USAGE_ROWS_PER_PASS
  else process.env.CCI_USAGE_ROWS_PER_PASS = saved
})

describe('percentiles in passes', () => {
  test('the savings and health figures of many passes equal those of one', async () => {
    const input = rows()
    delete process.env.CCI_USAGE_ROWS_PER_PASS
    const one = await reportOfRows(input)
    // ~300 rows in passes of 40: eight passes, each group whole in one of them.
    process.env.CCI_USAGE_ROWS_PER_PASS = '40'
    const many = await reportOfRows(input)
    // The test means something: there are candidates both ways and many jobs.
    expect(one.savings?.rightsizing.length).toBeGreaterThan(2)
    expect(one.savings?.underProvisioned.length).toBeGreaterThan(2)
    expect(one.health?.jobs.length).toBe(36)
    expect({...many, generatedAt: null}).toEqual({...one, generatedAt: null})
  })

  test('a pass holds ROWS_PER_PASS rows, or CCI_USAGE_ROWS_PER_PASS', () => {
    expect(passCount(1_700_000, ROWS_PER_PASS)).toBe(1)
    expect(passCount(6_700_000, ROWS_PER_PASS)).toBe(3)
    expect(passCount(0, ROWS_PER_PASS)).toBe(1)
    expect(rowsPerPass({})).toBe(ROWS_PER_PASS)
    expect(rowsPerPass({CCI_USAGE_ROWS_PER_PASS: '500000'})).toBe(500_000)
    expect(() => rowsPerPass({CCI_USAGE_ROWS_PER_PASS: 'many'})).toThrow(BadInputError)
    expect(() => rowsPerPass({CCI_USAGE_ROWS_PER_PASS: '0'})).toThrow('CCI_USAGE_ROWS_PER_PASS=0 is not a whole number of rows >= 1')
  })
})
