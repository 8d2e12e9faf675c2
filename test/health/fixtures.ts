import {HEALTH_PERCENTILE, type FlakyTest, type Health, type HealthJob, type Waste} from '../../src/analysis/summary.js'

/**
 * A health section and waste figures for renderer tests (the analysis is tested on real rows elsewhere): one
 * named slow job, one priced flaky test, with whatever names the test needs to be hostile.
 */
export interface HealthFixtureNames {
  project: string
  workflow: string
  job: string
  testName: string
}

export function makeHealth(names: HealthFixtureNames, options: {flakyCredits?: number; jobCredits?: number} = {}): {health: Health; waste: Waste} {
  const jobCredits = options.jobCredits ?? 42_000
  const job: HealthJob = {
    org: 'acme', project: names.project, workflow: names.workflow, job: names.job, runs: 50, successfulRuns: 40, failedRuns: 8, canceledRuns: 2,
    successRate: 40 / 48, durationP50Seconds: 610, durationP95Seconds: 1805.5, queueP50Seconds: 4, queueP95Seconds: 38.25,
    credits: jobCredits, creditsPerSuccessfulRun: jobCredits / 40, cpuMedianPct: 35, ramMedianPct: null,
    failedCredits: 8000, canceledCredits: 300, rerunCredits: 1200,
  }
  const quick: HealthJob = {...job, job: 'lint', runs: 50, durationP50Seconds: 30, durationP95Seconds: 55, credits: 500, creditsPerSuccessfulRun: 12.5, failedCredits: 0, canceledCredits: 0, rerunCredits: 0}
  const test: FlakyTest = {
    org: 'acme', project: names.project, testName: names.testName, classname: 'suite.<b>class</b>', jobName: names.job, workflowName: names.workflow,
    timesFlaked: 7, creditsPerRun: (options.flakyCredits ?? 7000) / 7, pricedFrom: 'failed-runs', credits: options.flakyCredits ?? 7000,
  }
  const bucket = (key: string, credits: number) => ({key, jobs: 40, credits, share: credits / (jobCredits + 500)})
  const health: Health = {
    percentile: HEALTH_PERCENTILE,
    jobs: [job, quick],
    workflows: [{org: 'acme', project: names.project, workflow: names.workflow, runs: 12, finishedRuns: 12, successfulRuns: 9, canceledRuns: 1, successRate: 9 / 11, durationP50Seconds: 900, durationP95Seconds: 2400, credits: jobCredits + 500, creditsPerRun: (jobCredits + 500) / 12}],
    triggerSources: [bucket('webhook', jobCredits), bucket('scheduled_pipeline', 500)],
    branches: {
      default: bucket('default', 30_000),
      other: bucket('other', jobCredits + 500 - 30_000),
      unknown: bucket('unknown', 0),
      projects: [{org: 'acme', project: names.project, defaultBranch: 'main', source: 'data', defaultCredits: 30_000, otherCredits: jobCredits + 500 - 30_000, credits: jobCredits + 500}],
    },
    pipelines: {count: 12, creditsP50: 2100, creditsP95: 9800.5, creditsMean: (jobCredits + 500) / 12},
    flakyTests: {
      source: 'circleci-insights',
      projects: [
        {org: 'acme', project: names.project, slug: `gh/acme/${names.project}`, credits: jobCredits + 500, status: 'ok', message: null, totalFlakyTests: 1},
        {org: 'acme', project: 'gone', slug: 'gh/acme/gone', credits: 10, status: 'not-found', message: 'no flaky tests for project gone (gh/acme/gone): Insights has no such project (HTTP 404)', totalFlakyTests: null},
      ],
      tests: [test],
    },
  }
  const top = (credits: number, jobs: number) => [{org: 'acme', project: names.project, workflow: names.workflow, job: names.job, credits, jobs}]
  const waste: Waste = {
    reruns: {credits: 1200, jobs: 3, attempts: 2, topJobs: top(1200, 3)},
    failed: {credits: 8000, jobs: 8, topJobs: top(8000, 8)},
    canceled: {credits: 300, jobs: 2, topJobs: top(300, 2)},
    total: 8900,
  }
  return {health, waste}
}
