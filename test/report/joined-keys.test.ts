import {describe, expect, test} from '@jest/globals'

import {OTHER_KEY} from '../../src/analysis/summary.js'
import {breakdownRecord} from '../../src/report/csv.js'
import {reportOfRows} from '../health/report.js'
import {row} from '../savings/view.js'

/**
 * The workflow, job and branch breakdowns name an entry by joining its names ("project / workflow / job"). Names
 * can hold the separator, so two jobs of one project read alike: workflow "b" with job "c / d" and workflow
 * "b / c" with job "d". Found by a cross-output fuzz (by-job.csv against an independent sum of the rows): the two
 * were one entry, 30 credits under the first job's name, and the second job was missing from by-job.csv.
 */
const credits = (values: {WORKFLOW_NAME: string; JOB_NAME: string; TOTAL_CREDITS: number}) => row({...values, COMPUTE_CREDITS: values.TOTAL_CREDITS})

describe('breakdown keys joined from names that hold the separator', () => {
  test('two jobs whose joined names read alike stay two entries, each with its own credits and a key of its own', async () => {
    const summary = await reportOfRows([
      credits({WORKFLOW_NAME: 'b', JOB_NAME: 'c / d', TOTAL_CREDITS: 10}),
      credits({WORKFLOW_NAME: 'b / c', JOB_NAME: 'd', TOTAL_CREDITS: 20}),
    ])
    const jobs = summary.breakdowns.job.map((bucket) => ({key: bucket.key, workflow: bucket.dims.workflow, job: bucket.dims.job, credits: bucket.credits}))
    expect(jobs).toEqual([
      {key: '"api" / "b / c" / "d"', workflow: 'b / c', job: 'd', credits: 20},
      {key: '"api" / "b" / "c / d"', workflow: 'b', job: 'c / d', credits: 10},
    ])
    // The job breakdown agrees with Health's jobs, which group by the names themselves.
    expect(summary.health?.jobs.map((job) => [job.workflow, job.job, job.credits])).toEqual([
      ['b / c', 'd', 20],
      ['b', 'c / d', 10],
    ])
  })

  test('a key that is not shared reads as before, names unquoted', async () => {
    const summary = await reportOfRows([credits({WORKFLOW_NAME: 'b', JOB_NAME: 'c / d', TOTAL_CREDITS: 10}), credits({WORKFLOW_NAME: 'b', JOB_NAME: 'e', TOTAL_CREDITS: 5})])
    expect(summary.breakdowns.job.map((bucket) => bucket.key)).toEqual(['api / b / c / d', 'api / b / e'])
    expect(summary.breakdowns.workflow.map((bucket) => [bucket.key, bucket.credits])).toEqual([['api / b', 15]])
  })

  test('a missing name keeps its bare label beside a quoted one that reads the same', async () => {
    const summary = await reportOfRows([
      row({WORKFLOW_NAME: null, TOTAL_CREDITS: 3, COMPUTE_CREDITS: 3}),
      row({WORKFLOW_NAME: '(none)', TOTAL_CREDITS: 4, COMPUTE_CREDITS: 4}),
    ])
    expect(summary.breakdowns.workflow.map((bucket) => [bucket.key, bucket.dims.workflow, bucket.credits])).toEqual([
      ['"api" / "(none)"', '(none)', 4],
      ['"api" / (none)', null, 3],
    ])
  })

  test('names holding quotes cannot make a plain key equal to a quoted one', async () => {
    const noProject = (WORKFLOW_NAME: string, JOB_NAME: string, TOTAL_CREDITS: number) =>
      row({PROJECT_NAME: null, WORKFLOW_NAME, JOB_NAME, TOTAL_CREDITS, COMPUTE_CREDITS: TOTAL_CREDITS})
    // The third job's names are `"b"` and `"c / d"`, quotes included (written as the CSV quotes them).
    const summary = await reportOfRows([noProject('b', 'c / d', 1), noProject('b / c', 'd', 2), noProject('"""b"""', '"""c / d"""', 4)])
    const keys = summary.breakdowns.job.map((bucket) => bucket.key)
    expect(new Set(keys).size).toBe(3)
    expect(summary.breakdowns.job.map((bucket) => [bucket.dims.workflow, bucket.credits])).toEqual([['"b"', 4], ['b / c', 2], ['b', 1]])
  })
})

describe('the CSV columns of a row without a project', () => {
  test('by-job.csv and by-workflow.csv name it (none) in the project column, not its joined key', async () => {
    const summary = await reportOfRows([
      row({PROJECT_NAME: null, WORKFLOW_NAME: 'ci', JOB_NAME: 'test', TOTAL_CREDITS: 5, COMPUTE_CREDITS: 5}),
      row({WORKFLOW_NAME: 'ci', JOB_NAME: 'test', TOTAL_CREDITS: 7, COMPUTE_CREDITS: 7}),
    ])
    const noProject = <T extends {dims: Record<string, string | null>}>(buckets: T[]) => buckets.find((bucket) => bucket.dims.project === null)!
    const job = noProject(summary.breakdowns.job)
    expect(job.key).toBe('(none) / ci / test')
    expect(breakdownRecord('job', job, false).slice(0, 5)).toEqual(['(none)', 'ci', 'test', 'acme', 5])
    expect(breakdownRecord('workflow', noProject(summary.breakdowns.workflow), false).slice(0, 4)).toEqual(['(none)', 'ci', 'acme', 5])
    // The roll-up past --top keeps its own label there.
    expect(breakdownRecord('job', {...job, key: OTHER_KEY, dims: {org: null, project: null, workflow: null, job: null}}, false)[0]).toBe(OTHER_KEY)
  })
})
