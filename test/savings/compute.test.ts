import {afterEach, describe, expect, test} from '@jest/globals'

import {CciUsageError} from '../../src/core/errors.js'
import {computeSavings, queryRightsizingGroups, resolveThresholds} from '../../src/analysis/savings/index.js'
import {buildTopOpportunities} from '../../src/analysis/savings/opportunities.js'
import type {RightsizingCandidate, Summary} from '../../src/analysis/summary.js'
import {opportunityText} from '../../src/slack/savings-text.js'
import {row, viewOfRows, type RowValues} from './view.js'

let open: Awaited<ReturnType<typeof viewOfRows>> | undefined

afterEach(async () => {
  await open?.close()
  open = undefined
})

async function savingsOf(rows: RowValues[], options: Parameters<typeof computeSavings>[2] = {windowDays: 7}) {
  open = await viewOfRows(rows)
  return computeSavings(open.connection, open.view, options)
}

/** n quiet docker-large runs of one job, 20 compute credits each. */
function quietLargeRuns(n: number, values: RowValues = {}): RowValues[] {
  return Array.from({length: n}, () =>
    row({RESOURCE_CLASS: 'large', COMPUTE_CREDITS: 20, TOTAL_CREDITS: 20, ...values}),
  )
}

describe('rightsizing through the view', () => {
  test('a quiet job is downsized with an estimate from its compute credits', async () => {
    // 5 runs x 20 compute credits in a 7-day window; large -> medium halves the rate: 50 saved per week.
    const rows = quietLargeRuns(5).map((r) => ({...r, STORAGE_CREDITS: 7, TOTAL_CREDITS: 27}))
    const savings = await savingsOf(rows)
    expect(savings.rightsizing).toHaveLength(1)
    expect(savings.rightsizing[0]).toMatchObject({
      org: 'acme',
      project: 'api',
      workflow: 'build-test',
      job: 'build',
      resourceClass: 'large',
      executor: 'docker',
      suggestedClass: 'medium',
      runs: 5,
      runsWithUtilisation: 5,
      credits: 100,
      creditsPerWeek: 100,
      estimatedSavingsPerWeek: 50,
    })
    expect(savings.underProvisioned).toEqual([])
  })

  test('runs with `\\N` utilisation are not counted and do not pull the median to 0', async () => {
    // 4 measured runs at 60 % median CPU and 6 short runs without data: read as 0 they would make 10 runs with a
    // median of 0 % and trigger a downsize; skipped, there are only 4 runs with data and nothing is suggested.
    const measured = quietLargeRuns(4, {MEDIAN_CPU_UTILIZATION_PCT: 60, MAX_CPU_UTILIZATION_PCT: 65})
    const unmeasured = quietLargeRuns(6, {
      JOB_RUN_SECONDS: 10,
      MEDIAN_CPU_UTILIZATION_PCT: null,
      MAX_CPU_UTILIZATION_PCT: null,
      MEDIAN_RAM_UTILIZATION_PCT: null,
      MAX_RAM_UTILIZATION_PCT: null,
    })
    const savings = await savingsOf([...measured, ...unmeasured])
    expect(savings.rightsizing).toEqual([])
    expect(savings.underProvisioned).toEqual([])

    // With a fifth measured run the group qualifies on its own data: the median is 60 % (not low), so still nothing.
    const fifth = quietLargeRuns(1, {MEDIAN_CPU_UTILIZATION_PCT: 60, MAX_CPU_UTILIZATION_PCT: 65})
    await open?.close()
    const again = await savingsOf([...measured, ...fifth, ...unmeasured])
    expect(again.rightsizing).toEqual([])
  })

  test('unmeasured runs still count as runs and their credits are part of the estimate', async () => {
    const measured = quietLargeRuns(5)
    const unmeasured = quietLargeRuns(3, {
      MEDIAN_CPU_UTILIZATION_PCT: null,
      MAX_CPU_UTILIZATION_PCT: null,
      MEDIAN_RAM_UTILIZATION_PCT: null,
      MAX_RAM_UTILIZATION_PCT: null,
    })
    const savings = await savingsOf([...measured, ...unmeasured])
    expect(savings.rightsizing[0]).toMatchObject({runs: 8, runsWithUtilisation: 5, credits: 160, estimatedSavingsPerWeek: 80})
  })

  test('spike share is computed in SQL with ">= spikePct" over measured runs only', async () => {
    const unmeasured = quietLargeRuns(3, {
      MEDIAN_CPU_UTILIZATION_PCT: null,
      MAX_CPU_UTILIZATION_PCT: null,
      MEDIAN_RAM_UTILIZATION_PCT: null,
      MAX_RAM_UTILIZATION_PCT: null,
    })
    open = await viewOfRows([
      ...quietLargeRuns(4, {JOB_NAME: 'at-70'}),
      ...quietLargeRuns(1, {JOB_NAME: 'at-70', MAX_RAM_UTILIZATION_PCT: 70}),
      ...unmeasured.map((r) => ({...r, JOB_NAME: 'at-70'})),
      ...quietLargeRuns(4, {JOB_NAME: 'near-miss'}),
      ...quietLargeRuns(1, {JOB_NAME: 'near-miss', MAX_CPU_UTILIZATION_PCT: 69.99}),
    ])
    const groups = await queryRightsizingGroups(open.connection, open.view, 'TRUE', 70, 7)
    const share = Object.fromEntries(groups.map((g) => [g.job, [g.spikeShare, g.runs, g.runsWithUtilisation]]))
    // 1 spike among 5 measured runs is 20 %, not 1 in 8 rows.
    expect(share).toEqual({'at-70': [0.2, 8, 5], 'near-miss': [0, 5, 5]})
  })

  test('medians and the 95th percentile (quantile_cont) come from the runs', async () => {
    // max CPU 10..50: p95 = 40 + 0.8 x (50 - 40) = 48 (linear interpolation at position 0.95 x 4 = 3.8).
    // 48 % of a large is 96 % of a medium: no downsize, but the figures are there with a looser spike threshold.
    const rows = [10, 20, 30, 40, 50].map((max, i) =>
      row({RESOURCE_CLASS: 'large', MAX_CPU_UTILIZATION_PCT: max, MEDIAN_CPU_UTILIZATION_PCT: 5 + i, MEDIAN_RAM_UTILIZATION_PCT: 30 - i}),
    )
    const strict = await savingsOf(rows)
    expect(strict.rightsizing).toEqual([])
    await open?.close()
    const loose = await savingsOf(rows, {windowDays: 7, thresholds: {spikePct: 97}})
    expect(loose.rightsizing[0]).toMatchObject({medianCpuPct: 7, medianRamPct: 28, p95MaxCpuPct: 48, p95MaxRamPct: 30})
  })

  test('the same job on docker medium and on a machine medium are two groups with different families', async () => {
    const docker = quietLargeRuns(5, {RESOURCE_CLASS: 'medium', EXECUTOR: 'docker', COMPUTE_CREDITS: 10})
    const machine = quietLargeRuns(5, {RESOURCE_CLASS: 'medium', EXECUTOR: 'machine', COMPUTE_CREDITS: 10})
    const savings = await savingsOf([...docker, ...machine])
    // Docker medium steps down to small; a Linux VM medium is the smallest VM and stays.
    expect(savings.rightsizing.map((c) => [c.executor, c.resourceClass, c.suggestedClass])).toEqual([['docker', 'medium', 'small']])
  })

  test('runner, GPU and unknown classes, and job-less rows, produce nothing', async () => {
    const savings = await savingsOf([
      ...quietLargeRuns(5, {RESOURCE_CLASS: 'acme/runner', EXECUTOR: 'runner'}),
      ...quietLargeRuns(5, {RESOURCE_CLASS: 'gpu.nvidia.small.multi', EXECUTOR: 'machine'}),
      ...quietLargeRuns(5, {RESOURCE_CLASS: 'huge', EXECUTOR: 'docker'}),
      ...quietLargeRuns(5, {JOB_NAME: null, RESOURCE_CLASS: null, EXECUTOR: null}),
    ])
    expect(savings.rightsizing).toEqual([])
    expect(savings.underProvisioned).toEqual([])
  })

  test('busy jobs are listed as under-provisioned with their extra cost', async () => {
    const savings = await savingsOf(quietLargeRuns(5, {RESOURCE_CLASS: 'medium', MEDIAN_CPU_UTILIZATION_PCT: 90, COMPUTE_CREDITS: 14}))
    expect(savings.underProvisioned).toHaveLength(1)
    // 70 compute credits per week at twice the rate.
    expect(savings.underProvisioned[0]).toMatchObject({direction: 'up', suggestedClass: 'large', estimatedSavingsPerWeek: -70})
    expect(savings.top).toEqual([])
  })

  test('a job is never told to go down and up at once: busy anywhere, it is not downsized', async () => {
    const busy = {MEDIAN_CPU_UTILIZATION_PCT: 90, MAX_CPU_UTILIZATION_PCT: 100}
    const savings = await savingsOf([
      // build: quiet in workflow pr, at its limits in nightly, on the same large class (one job definition).
      ...quietLargeRuns(5, {WORKFLOW_NAME: 'pr'}),
      ...quietLargeRuns(5, {WORKFLOW_NAME: 'nightly', ...busy}),
      // test: quiet on large, at its limits on medium (the class it was moved to).
      ...quietLargeRuns(5, {JOB_NAME: 'test'}),
      ...quietLargeRuns(5, {JOB_NAME: 'test', RESOURCE_CLASS: 'medium', COMPUTE_CREDITS: 10, ...busy}),
      // lint is quiet everywhere and the same job name in another organization is busy: lint stays a downsize.
      ...quietLargeRuns(5, {JOB_NAME: 'lint'}),
      ...quietLargeRuns(5, {JOB_NAME: 'lint', ORGANIZATION_NAME: 'other', ...busy}),
    ])
    const verdicts = [...savings.rightsizing, ...savings.underProvisioned].map((c) => `${c.org}/${c.job}/${c.workflow}:${c.resourceClass}->${c.suggestedClass}`)
    expect(verdicts.sort()).toEqual([
      'acme/build/nightly:large->xlarge',
      'acme/lint/build-test:large->medium',
      'acme/test/build-test:medium->large',
      'other/lint/build-test:large->xlarge',
    ])
    expect(savings.top.map((o) => o.change)).toEqual(['resource_class: medium in job lint of project api'])
  })

  test('busy on a class with no larger step or outside the rate table, a job is still not downsized elsewhere', async () => {
    // No upsize can be suggested for 2xlarge (the top Docker step), a GPU or a runner, but the job hits its limits
    // there all the same: quiet on large in pr, it must not be told to shrink. Before, only an upsize verdict blocked.
    const busy = {MEDIAN_CPU_UTILIZATION_PCT: 95, MAX_CPU_UTILIZATION_PCT: 100}
    const savings = await savingsOf([
      ...quietLargeRuns(5, {WORKFLOW_NAME: 'pr'}),
      ...quietLargeRuns(5, {WORKFLOW_NAME: 'nightly', RESOURCE_CLASS: '2xlarge', COMPUTE_CREDITS: 80, ...busy}),
      ...quietLargeRuns(5, {JOB_NAME: 'train', WORKFLOW_NAME: 'pr'}),
      ...quietLargeRuns(5, {JOB_NAME: 'train', WORKFLOW_NAME: 'gpu', RESOURCE_CLASS: 'gpu.nvidia.small', EXECUTOR: 'machine', ...busy}),
      ...quietLargeRuns(5, {JOB_NAME: 'e2e', WORKFLOW_NAME: 'pr'}),
      ...quietLargeRuns(5, {JOB_NAME: 'e2e', WORKFLOW_NAME: 'own', RESOURCE_CLASS: 'acme/big', EXECUTOR: 'runner', ...busy}),
      // lint is quiet everywhere: its downsize stands.
      ...quietLargeRuns(5, {JOB_NAME: 'lint', WORKFLOW_NAME: 'pr'}),
    ])
    expect(savings.rightsizing.map((c) => `${c.job}/${c.workflow}:${c.resourceClass}->${c.suggestedClass}`)).toEqual(['lint/pr:large->medium'])
    expect(savings.underProvisioned).toEqual([])
  })

  test('a job measured busy-but-not-at-its-limits in another workflow on the same class is not downsized', async () => {
    const moderate = {MEDIAN_CPU_UTILIZATION_PCT: 60, MAX_CPU_UTILIZATION_PCT: 65}
    const savings = await savingsOf([
      // build: quiet in pr, at 60 % in nightly on the same large class: medium would put nightly at ~120 %.
      ...quietLargeRuns(5, {WORKFLOW_NAME: 'pr'}),
      ...quietLargeRuns(5, {WORKFLOW_NAME: 'nightly', ...moderate}),
      // test: quiet in pr; nightly has too few measured runs to say anything, so the downsize stands.
      ...quietLargeRuns(5, {JOB_NAME: 'test', WORKFLOW_NAME: 'pr'}),
      ...quietLargeRuns(4, {JOB_NAME: 'test', WORKFLOW_NAME: 'nightly', ...moderate}),
      // lint: quiet on large, at 60 % on medium (another class): large's downsize stands.
      ...quietLargeRuns(5, {JOB_NAME: 'lint'}),
      ...quietLargeRuns(5, {JOB_NAME: 'lint', RESOURCE_CLASS: 'medium', COMPUTE_CREDITS: 10, ...moderate}),
    ])
    expect(savings.rightsizing.map((c) => `${c.job}/${c.workflow}:${c.resourceClass}->${c.suggestedClass}`).sort()).toEqual([
      'lint/build-test:large->medium',
      'test/pr:large->medium',
    ])
    expect(savings.underProvisioned).toEqual([])
  })

  test('Slack names the class each opportunity leaves when one job moves to the same class from two', async () => {
    // build on large in workflow a and on medium+ in workflow b: both changes read "resource_class: medium in job
    // build of project api"; the medium+ one must not be shown as leaving large.
    const savings = await savingsOf([
      ...quietLargeRuns(5, {WORKFLOW_NAME: 'a', COMPUTE_CREDITS: 40}),
      ...quietLargeRuns(5, {WORKFLOW_NAME: 'b', RESOURCE_CLASS: 'medium+', COMPUTE_CREDITS: 15}),
    ])
    expect(new Set(savings.top.map((o) => o.change)).size).toBe(1)
    const summary = {savings} as Summary
    expect(savings.top.map((o) => opportunityText(summary, o, 200))).toEqual([
      '`resource_class: large` → `resource_class: medium` in job build of project api',
      '`resource_class: medium+` → `resource_class: medium` in job build of project api',
    ])
  })

  test('filterSql is applied to every query', async () => {
    const inside = quietLargeRuns(5, {PROJECT_NAME: 'api'})
    const outside = quietLargeRuns(5, {PROJECT_NAME: 'web', JOB_BUILD_STATUS: 'failed'})
    const savings = await savingsOf([...inside, ...outside], {windowDays: 7, filterSql: `PROJECT_NAME = 'api'`})
    expect(savings.rightsizing.map((c) => c.project)).toEqual(['api'])
    expect(savings.failingJobs).toEqual([])
  })
})

describe('failing jobs', () => {
  test('jobs with failures, by failed credits; blocked rows are not runs', async () => {
    const savings = await savingsOf([
      row({JOB_NAME: 'e2e', JOB_BUILD_STATUS: 'failed', TOTAL_CREDITS: 300}),
      row({JOB_NAME: 'e2e', JOB_BUILD_STATUS: 'failed', TOTAL_CREDITS: 200}),
      row({JOB_NAME: 'e2e', JOB_BUILD_STATUS: 'success', TOTAL_CREDITS: 250}),
      row({JOB_NAME: 'e2e', JOB_BUILD_STATUS: 'canceled', TOTAL_CREDITS: 10}),
      row({JOB_NAME: 'unit', JOB_BUILD_STATUS: 'failed', TOTAL_CREDITS: 900}),
      row({JOB_NAME: 'unit', JOB_BUILD_STATUS: 'blocked', TOTAL_CREDITS: 0}),
      row({JOB_NAME: 'lint', JOB_BUILD_STATUS: 'success', TOTAL_CREDITS: 5000}),
    ])
    expect(savings.failingJobs).toEqual([
      {org: 'acme', project: 'api', workflow: 'build-test', job: 'unit', runs: 1, failures: 1, failureRate: 1, failedCredits: 900},
      {org: 'acme', project: 'api', workflow: 'build-test', job: 'e2e', runs: 4, failures: 2, failureRate: 0.5, failedCredits: 500},
    ])
  })

  test("two organizations' jobs of one project, workflow and name are two entries, each with its own runs", async () => {
    // A shared plan: both organizations have an `api` project with the same pipeline. One job's failures must not
    // be priced against the other's runs.
    const other = {ORGANIZATION_ID: 'org-2', ORGANIZATION_NAME: 'globex'}
    const savings = await savingsOf([
      row({JOB_NAME: 'e2e', JOB_BUILD_STATUS: 'failed', TOTAL_CREDITS: 300}),
      row({JOB_NAME: 'e2e', JOB_BUILD_STATUS: 'success', TOTAL_CREDITS: 250}),
      row({...other, JOB_NAME: 'e2e', JOB_BUILD_STATUS: 'failed', TOTAL_CREDITS: 300}),
      row({...other, JOB_NAME: 'e2e', JOB_BUILD_STATUS: 'failed', TOTAL_CREDITS: 20}),
      // No name: the organization is its id, as in the breakdowns.
      row({ORGANIZATION_ID: 'org-3', ORGANIZATION_NAME: null, JOB_NAME: 'e2e', JOB_BUILD_STATUS: 'failed', TOTAL_CREDITS: 300}),
    ])
    expect(savings.failingJobs).toEqual([
      {org: 'globex', project: 'api', workflow: 'build-test', job: 'e2e', runs: 2, failures: 2, failureRate: 1, failedCredits: 320},
      // Equal spend and failures: by organization, so --top keeps the same one from run to run.
      {org: 'acme', project: 'api', workflow: 'build-test', job: 'e2e', runs: 2, failures: 1, failureRate: 0.5, failedCredits: 300},
      {org: 'org-3', project: 'api', workflow: 'build-test', job: 'e2e', runs: 1, failures: 1, failureRate: 1, failedCredits: 300},
    ])
  })

  test('top is rightsizing only: failed-run spend is never a saving (issue 10 item 16)', async () => {
    // Window 14 days: per week is half. Downsize saves 100 x 7/14 x 0.5 = 25; the failures cost 500 and 40, which
    // stay in failingJobs (spend) and never reach top.
    const window = {start: '2024-11-04T00:00:00.000Z', end: '2024-11-18T00:00:00.000Z', days: 14}
    const savings = await savingsOf(
      [
        ...quietLargeRuns(5),
        row({JOB_NAME: 'e2e', JOB_BUILD_STATUS: 'failed', TOTAL_CREDITS: 500, MEDIAN_CPU_UTILIZATION_PCT: null}),
        row({JOB_NAME: 'flaky', WORKFLOW_NAME: 'nightly', JOB_BUILD_STATUS: 'failed', TOTAL_CREDITS: 40}),
      ],
      {windowDays: 14, window},
    )
    expect(savings.top.map((o) => [o.kind, o.creditsPerWeek])).toEqual([['rightsizing', 25]])
    expect(savings.failingJobs.map((job) => [job.job, job.failedCredits])).toEqual([['e2e', 500], ['flaky', 40]])
    expect(savings.top[0].change).toBe('resource_class: medium in job build of project api')
    expect(savings.top[0].title).toBe('Downsize job build of project api from large to medium: saves about 25 credits/week, projected from the 14 days 2024-11-04..17')
    expect(savings.top[0].evidence).toContain('median CPU 20 %')
    expect(savings.top[0].evidence).toContain('p95 of max CPU 30 %')
    expect(savings.projectedFrom).toEqual(window)
  })
})

describe('per-week figures are exact decimals, rounded once to the micro-credit', () => {
  test('0.3 credits over 3 days is 0.7 a week and saves 0.35 on a class at half the rate, with no float noise', async () => {
    // 5 runs x 0.06 compute credits = 0.3 exactly; the float product 0.3 x 7 / 3 is 0.7000000000000001 and its half
    // 0.35000000000000003, which summary.json printed as they are.
    const savings = await savingsOf(quietLargeRuns(5, {COMPUTE_CREDITS: 0.06, TOTAL_CREDITS: 0.06}), {windowDays: 3})
    expect(savings.rightsizing.map((c) => [c.credits, c.creditsPerWeek, c.estimatedSavingsPerWeek])).toEqual([[0.3, 0.7, 0.35]])
    expect(savings.top.map((o) => o.creditsPerWeek)).toEqual([0.35])
  })

  test('a third of a micro-credit rounds to the nearest micro-credit, half away from zero, upsizes too', async () => {
    // 100 credits over 3 days: 233.3333333... a week, 233.333333; large -> medium saves 116.6666666... -> 116.666667.
    // An upsize of the same job (medium -> large) costs 100 x 7 / 3 x (1 - 20/10) = -233.333333.
    const busy = {RESOURCE_CLASS: 'medium', JOB_NAME: 'lint', MEDIAN_CPU_UTILIZATION_PCT: 90, MAX_CPU_UTILIZATION_PCT: 99}
    const savings = await savingsOf([...quietLargeRuns(5), ...quietLargeRuns(5, busy)], {windowDays: 3})
    expect(savings.rightsizing.map((c) => [c.creditsPerWeek, c.estimatedSavingsPerWeek])).toEqual([[233.333333, 116.666667]])
    expect(savings.underProvisioned.map((c) => [c.creditsPerWeek, c.estimatedSavingsPerWeek])).toEqual([[233.333333, -233.333333]])
  })
})

describe('percentiles are exact decimals', () => {
  test('a p95 of exactly 35 % on large is 70 % of medium, not under it: the job keeps its class', async () => {
    // 9 runs: R-7 position 8 x 0.95 = 7.6, so p95 = 32.3 + 0.6 x (36.8 - 32.3) = 35 exactly; in doubles it read
    // 34.99999999999999, doubled 69.99999999999997 < 70, and the job was told to downsize. Same for RAM over 10 runs
    // (position 8.55: 30.6 + 0.55 x 8 = 35).
    const cpu = quietLargeRuns(9).map((r, i) => ({...r, MAX_CPU_UTILIZATION_PCT: [1, 2, 3, 4, 5, 6, 7, 32.3, 36.8][i]}))
    const ram = quietLargeRuns(10, {JOB_NAME: 'lint'}).map((r, i) => ({...r, MAX_RAM_UTILIZATION_PCT: [1, 2, 3, 4, 5, 6, 7, 8, 30.6, 38.6][i]}))
    open = await viewOfRows([...cpu, ...ram])
    const groups = await queryRightsizingGroups(open.connection, open.view, 'TRUE', 70, 7)
    expect(groups.map((g) => [g.job, g.p95MaxCpuPct, g.p95MaxRamPct])).toEqual([
      ['build', 35, 30],
      ['lint', 30, 35],
    ])
    const savings = await computeSavings(open.connection, open.view, {windowDays: 7})
    expect(savings.rightsizing).toEqual([])
  })

  test('a hair under 35 % still downsizes, and even medians are the exact mean of the two middle runs', async () => {
    const rows = quietLargeRuns(9).map((r, i) => ({
      ...r,
      MAX_CPU_UTILIZATION_PCT: [1, 2, 3, 4, 5, 6, 7, 32.3, 36.799999][i],
      MEDIAN_CPU_UTILIZATION_PCT: [1, 2, 3, 4, 39.9, 40.2, 41, 42, 43][i],
    }))
    const savings = await savingsOf([...rows, ...quietLargeRuns(1, {MEDIAN_CPU_UTILIZATION_PCT: 50, MAX_CPU_UTILIZATION_PCT: 1})])
    // 10 runs: median CPU (39.9 + 40.2) / 2 = 40.05 > 40, so not quiet; without the tenth (at 50 %) it is 39.9 <= 40.
    expect(savings.rightsizing).toEqual([])
    await open?.close()
    const nine = await savingsOf(rows)
    expect(nine.rightsizing.map((c) => [c.medianCpuPct, c.p95MaxCpuPct])).toEqual([[39.9, 34.9999994]])
  })
})

describe('organizations without a name', () => {
  test('are told apart by their id, as in failingJobs: no pooled evidence, no busy job hiding a quiet one', async () => {
    // Two organizations of a shared plan, exported without ORGANIZATION_NAME. build: 3 quiet runs in each, 5 needed.
    // lint: quiet in org-a, busy in org-b. Pooled by the (null) name, build got a downsize from 6 runs and lint's
    // 10 runs had a median of neither, so org-b's upsize and org-a's downsize were both lost.
    const a = {ORGANIZATION_ID: 'org-a', ORGANIZATION_NAME: null}
    const b = {ORGANIZATION_ID: 'org-b', ORGANIZATION_NAME: null}
    const savings = await savingsOf([
      ...quietLargeRuns(3, a),
      ...quietLargeRuns(3, b),
      ...quietLargeRuns(5, {...a, JOB_NAME: 'lint'}),
      ...quietLargeRuns(5, {...b, JOB_NAME: 'lint', MEDIAN_CPU_UTILIZATION_PCT: 85}),
    ])
    expect(savings.rightsizing.map((c) => [c.org, c.job, c.suggestedClass])).toEqual([['org-a', 'lint', 'medium']])
    expect(savings.underProvisioned.map((c) => [c.org, c.job, c.suggestedClass])).toEqual([['org-b', 'lint', 'xlarge']])
  })
})

describe('top savings: one change per job and class, whatever the workflows', () => {
  test('a job quiet on large in two workflows is one opportunity naming both, its saving their exact sum', async () => {
    // build is quiet on docker large in pr (5 runs x 20) and nightly (6 runs x 20.1): one resource_class change.
    // Saved per week (7-day window): pr 100 x 0.5 = 50, nightly 120.6 x 0.5 = 60.3; the opportunity saves 110.3.
    const window = {start: '2024-11-11T00:00:00.000Z', end: '2024-11-18T00:00:00.000Z', days: 7}
    const savings = await savingsOf(
      [
        ...quietLargeRuns(5, {WORKFLOW_NAME: 'pr'}),
        ...quietLargeRuns(6, {WORKFLOW_NAME: 'nightly', COMPUTE_CREDITS: 20.1, TOTAL_CREDITS: 20.1}),
        ...quietLargeRuns(5, {JOB_NAME: 'lint', COMPUTE_CREDITS: 2, TOTAL_CREDITS: 2}),
      ],
      {windowDays: 7, window},
    )
    expect(savings.rightsizing.map((c) => [c.job, c.workflow, c.estimatedSavingsPerWeek])).toEqual([
      ['build', 'nightly', 60.3],
      ['build', 'pr', 50],
      ['lint', 'build-test', 5],
    ])
    expect(savings.top.map((o) => [o.creditsPerWeek, o.workflows])).toEqual([
      [110.3, ['nightly', 'pr']],
      [5, ['build-test']],
    ])
    const [build] = savings.top
    expect(build.title).toBe(
      'Downsize job build of project api from large to medium: saves about 110 credits/week (workflows nightly, pr), projected from the 7 days 2024-11-11..17',
    )
    expect(build.evidence).toMatch(/^workflow nightly: 6 of 6 runs .*; workflow pr: 5 of 5 runs /)
    expect(new Set(savings.top.map((o) => o.title)).size).toBe(savings.top.length)
  })

  // A job named alike in two workflows, on Docker in one and on a Linux VM in the other: two changes whose titles
  // and Slack lines read the same, each with its own saving.
  test('the same job and class under two executors is two changes, each titled with its executor', async () => {
    const savings = await savingsOf([...quietLargeRuns(5, {WORKFLOW_NAME: 'pr'}), ...quietLargeRuns(5, {WORKFLOW_NAME: 'nightly', EXECUTOR: 'machine', COMPUTE_CREDITS: 10, TOTAL_CREDITS: 10})])
    expect(savings.top.map((o) => [o.creditsPerWeek, o.title])).toEqual([
      [50, 'Downsize job build of project api from large (docker executor) to medium: saves about 50 credits/week'],
      [25, 'Downsize job build of project api from large (machine executor) to medium: saves about 25 credits/week'],
    ])
    expect(savings.top.map((o) => opportunityText({savings} as Summary, o, 200))).toEqual([
      '`resource_class: large` (docker executor) → `resource_class: medium` in job build of project api',
      '`resource_class: large` (machine executor) → `resource_class: medium` in job build of project api',
    ])
  })

  test('the same job of two organizations is two changes, each titled with its organization', async () => {
    const savings = await savingsOf([
      ...quietLargeRuns(5),
      ...quietLargeRuns(5, {ORGANIZATION_ID: 'org-2', ORGANIZATION_NAME: 'globex', COMPUTE_CREDITS: 10, TOTAL_CREDITS: 10}),
    ])
    expect(savings.top.map((o) => [o.creditsPerWeek, o.title])).toEqual([
      [50, 'Downsize job build of project api of organization acme from large to medium: saves about 50 credits/week'],
      [25, 'Downsize job build of project api of organization globex from large to medium: saves about 25 credits/week'],
    ])
    // Slack's line names the organization too, or the two lines read the same.
    expect(savings.top.map((o) => opportunityText({savings} as Summary, o, 200))).toEqual([
      '`resource_class: large` → `resource_class: medium` in job build of project api of organization acme',
      '`resource_class: large` → `resource_class: medium` in job build of project api of organization globex',
    ])
  })
})

describe('options', () => {
  test('thresholds merge over the defaults and are echoed in the result', async () => {
    const savings = await savingsOf(quietLargeRuns(3), {windowDays: 7, thresholds: {minRuns: 3}})
    expect(savings.thresholds).toEqual({minRuns: 3, lowUtilisationPct: 40, spikePct: 70, maxSpikeShare: 0.2, highUtilisationPct: 80})
    expect(savings.rightsizing).toHaveLength(1)
    expect(savings.rateTable.date).toMatch(/^\d{4}-\d{2}-\d{2}$/)
  })

  test.each([
    [{minRuns: 0}, /minRuns/],
    [{lowUtilisationPct: 140}, /lowUtilisationPct/],
    [{maxSpikeShare: 0}, /maxSpikeShare/],
    [{spikePct: Number.NaN}, /spikePct/],
  ])('bad threshold %o is one clear error', (overrides, message) => {
    expect(() => resolveThresholds(overrides)).toThrow(message)
    try {
      resolveThresholds(overrides)
    } catch (error) {
      expect(error).toBeInstanceOf(CciUsageError)
      expect((error as CciUsageError).code).toBe('E_SAVINGS_THRESHOLD')
    }
  })

  test('a window of zero days is refused', async () => {
    await expect(savingsOf(quietLargeRuns(1), {windowDays: 0})).rejects.toThrow(/window/)
  })
})

describe('buildTopOpportunities', () => {
  const downsize = (job: string, saved: number | null, direction: 'down' | 'up' = 'down') =>
    ({job, project: 'api', direction, estimatedSavingsPerWeek: saved, change: `resource_class: medium in job ${job} of project api`}) as RightsizingCandidate

  test('upsizes and unknown estimates never rank', () => {
    const top = buildTopOpportunities([downsize('up', -50, 'up'), downsize('unknown', null), downsize('small', 5)])
    expect(top.map((o) => o.creditsPerWeek)).toEqual([5])
    expect(top[0].title).not.toContain('projected from')
  })

  test('a saving under one credit a week reads as itself, as in every other medium, not as 0', () => {
    const [top] = buildTopOpportunities([downsize('tiny', 0.4)])
    expect(top.title).toContain('saves about 0.4 credits/week')
  })
})

describe('the runs a group is judged on (README "Savings")', () => {
  test('a run reaching exactly 70 % max CPU is a spike, as one reaching 70 % max RAM is', async () => {
    open = await viewOfRows([
      ...quietLargeRuns(4, {JOB_NAME: 'cpu-at-70'}),
      ...quietLargeRuns(1, {JOB_NAME: 'cpu-at-70', MAX_CPU_UTILIZATION_PCT: 70}),
      ...quietLargeRuns(4, {JOB_NAME: 'ram-at-70'}),
      ...quietLargeRuns(1, {JOB_NAME: 'ram-at-70', MAX_RAM_UTILIZATION_PCT: 70}),
    ])
    const groups = await queryRightsizingGroups(open.connection, open.view, 'TRUE', 70, 7)
    // 1 run of 5 at the threshold.
    expect(Object.fromEntries(groups.map((g) => [g.job, g.spikeShare]))).toEqual({'cpu-at-70': 1 / 5, 'ram-at-70': 1 / 5})
  })

  test('a run missing any one of the four utilisation figures is not a run with utilisation data', async () => {
    const figures = ['MEDIAN_CPU_UTILIZATION_PCT', 'MAX_CPU_UTILIZATION_PCT', 'MEDIAN_RAM_UTILIZATION_PCT', 'MAX_RAM_UTILIZATION_PCT']
    open = await viewOfRows(figures.flatMap((figure) => [...quietLargeRuns(5, {JOB_NAME: figure}), ...quietLargeRuns(2, {JOB_NAME: figure, [figure]: null})]))
    const groups = await queryRightsizingGroups(open.connection, open.view, 'TRUE', 70, 7)
    expect(Object.fromEntries(groups.map((g) => [g.job, [g.runs, g.runsWithUtilisation]]))).toEqual(Object.fromEntries(figures.map((figure) => [figure, [7, 5]])))
  })

  test('runs are the rows that started: a blocked or on_hold row is no run', async () => {
    const started = quietLargeRuns(5)
    const notStarted = ['blocked', 'on_hold'].map((status) => row({RESOURCE_CLASS: 'large', JOB_BUILD_STATUS: status, COMPUTE_CREDITS: 0, TOTAL_CREDITS: 0, MEDIAN_CPU_UTILIZATION_PCT: null, MAX_CPU_UTILIZATION_PCT: null, MEDIAN_RAM_UTILIZATION_PCT: null, MAX_RAM_UTILIZATION_PCT: null}))
    const savings = await savingsOf([...started, ...notStarted])
    expect(savings.rightsizing[0]).toMatchObject({runs: started.length, runsWithUtilisation: started.length})
  })
})
