/**
 * Which health problem the short messages (Slack, the terminal's "Costliest health problem") name: the slowest job
 * (highest p95 duration; more credits first on a tie) with the credits it used, or the flakiest priced test with
 * the credits it wasted, whichever is more (README "Health", Slack).
 */
import {describe, expect, test} from '@jest/globals'

import {costliestHealthProblem} from '../../src/analysis/health/headline.js'
import type {Health, HealthJob} from '../../src/analysis/summary.js'
import {makeHealth} from './fixtures.js'

const names = {project: 'api', workflow: 'build', job: 'test', testName: 'login works'}

/** The fixture's health with these jobs and, unless given, no flaky tests. */
function healthOf(jobs: Partial<HealthJob>[], flakyCredits: number | null = null): Health {
  const {health} = makeHealth(names, {flakyCredits: flakyCredits ?? 1})
  const template = health.jobs[0]
  return {...health, jobs: jobs.map((job) => ({...template, ...job})), flakyTests: flakyCredits === null ? null : health.flakyTests}
}

describe('the slowest job', () => {
  test('is the one with the highest p95 duration, whatever its p50 or credits', () => {
    const health = healthOf([
      {job: 'steady', durationP50Seconds: 900, durationP95Seconds: 1000, credits: 9000, failedCredits: 0},
      {job: 'tail', durationP50Seconds: 60, durationP95Seconds: 1200, credits: 300, failedCredits: 100},
      {job: 'unmeasured', durationP50Seconds: null, durationP95Seconds: null, credits: 50_000},
    ])
    const slowest = [...health.jobs].filter((job) => job.durationP95Seconds !== null).sort((a, b) => b.durationP95Seconds! - a.durationP95Seconds!)[0]
    expect(costliestHealthProblem(health)).toEqual({kind: 'slow-job', job: slowest, credits: slowest.credits})
    expect(slowest.job).toBe('tail')
  })

  test('of two with one p95 is the one that used more credits, in either order', () => {
    const jobs = [
      {job: 'cheap', durationP95Seconds: 1200, credits: 300},
      {job: 'dear', durationP95Seconds: 1200, credits: 700},
    ]
    for (const order of [jobs, [...jobs].reverse()]) {
      expect(costliestHealthProblem(healthOf(order))).toMatchObject({kind: 'slow-job', job: {job: 'dear'}, credits: 700})
    }
  })
})

describe('slow job against flaky test', () => {
  test('names the one with more credits: the job by the credits it used, the test by those its flakes wasted', () => {
    const job = {job: 'slow', durationP95Seconds: 1800, credits: 5000, failedCredits: 400}
    expect(costliestHealthProblem(healthOf([job], 4999))).toMatchObject({kind: 'slow-job', credits: job.credits})
    expect(costliestHealthProblem(healthOf([job], 5001))).toMatchObject({kind: 'flaky-test', credits: 5001})
  })
})
