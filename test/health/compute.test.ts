import {describe, expect, test} from '@jest/globals'

import {parseDefaultBranchRules} from '../../src/analysis/health/branches.js'
import {CciUsageError} from '../../src/core/errors.js'
import {fullReportHooks, healthEnabled} from '../../src/report/hooks.js'
import {row} from '../savings/view.js'
import {at, reportOfRows, run} from './report.js'

describe('health.jobs', () => {
  test('runs, success rate, percentiles, queue, cost per green run and medians, by hand', async () => {
    const summary = await reportOfRows([
      run({JOB_BUILD_STATUS: 'success', JOB_RUN_SECONDS: 100, JOB_RUN_QUEUED_AT: at(0), JOB_RUN_STARTED_AT: at(4.5), TOTAL_CREDITS: 0.1, MEDIAN_CPU_UTILIZATION_PCT: 10, MEDIAN_RAM_UTILIZATION_PCT: null}),
      run({JOB_BUILD_STATUS: 'success', JOB_RUN_SECONDS: 400, JOB_RUN_QUEUED_AT: at(0), JOB_RUN_STARTED_AT: at(2), TOTAL_CREDITS: 0.2, MEDIAN_CPU_UTILIZATION_PCT: 30, MEDIAN_RAM_UTILIZATION_PCT: null}),
      run({JOB_BUILD_STATUS: 'failed', JOB_RUN_SECONDS: 300, JOB_RUN_QUEUED_AT: at(10), JOB_RUN_STARTED_AT: at(5), TOTAL_CREDITS: 7, MEDIAN_CPU_UTILIZATION_PCT: 20, MEDIAN_RAM_UTILIZATION_PCT: null}),
      run({JOB_BUILD_STATUS: 'canceled', JOB_RUN_SECONDS: 200, TOTAL_CREDITS: 1, MEDIAN_CPU_UTILIZATION_PCT: null, MEDIAN_RAM_UTILIZATION_PCT: null}),
      run({JOB_BUILD_STATUS: 'running', JOB_RUN_SECONDS: null, TOTAL_CREDITS: 0, MEDIAN_CPU_UTILIZATION_PCT: null, MEDIAN_RAM_UTILIZATION_PCT: null}),
      // Listed but never started: a row, not a run.
      run({JOB_BUILD_STATUS: 'blocked', JOB_RUN_SECONDS: null, TOTAL_CREDITS: 0, MEDIAN_CPU_UTILIZATION_PCT: null, MEDIAN_RAM_UTILIZATION_PCT: null}),
    ])
    expect(summary.health?.jobs).toEqual([
      {
        org: 'acme', project: 'api', workflow: 'build-test', job: 'build',
        runs: 5, successfulRuns: 2, failedRuns: 1, canceledRuns: 1,
        // 2 successes of the 3 runs that finished other than canceled (the running one is not finished).
        successRate: 2 / 3,
        // JOB_RUN_SECONDS 100, 200, 300, 400: p50 = 250; p95: h = 3 x 0.95 = 2.85 -> 300 + 0.85 x 100 = 385.
        durationP50Seconds: 250, durationP95Seconds: 385,
        // Queue 4.5 s and 2 s (the run "started" before it was queued is a clock artefact, left out).
        queueP50Seconds: 3.25, queueP95Seconds: 4.375,
        // 0.1 + 0.2 + 7 + 1 exactly, not 8.299999999999999.
        credits: 8.3, creditsPerSuccessfulRun: 4.15,
        cpuMedianPct: 20, ramMedianPct: null,
        failedCredits: 7, canceledCredits: 1, rerunCredits: 0,
      },
    ])
  })

  test('durations and utilisation medians are of runs: a row that never started is left out even with values', async () => {
    const summary = await reportOfRows([
      run({JOB_BUILD_STATUS: 'success', JOB_RUN_SECONDS: 100, MEDIAN_CPU_UTILIZATION_PCT: 10, MEDIAN_RAM_UTILIZATION_PCT: 20}),
      run({JOB_BUILD_STATUS: 'failed', JOB_RUN_SECONDS: 300, MEDIAN_CPU_UTILIZATION_PCT: 30, MEDIAN_RAM_UTILIZATION_PCT: 40}),
      // Not runs (NOT_STARTED_STATUSES), whatever they carry.
      run({JOB_BUILD_STATUS: 'on_hold', JOB_RUN_SECONDS: 9000, MEDIAN_CPU_UTILIZATION_PCT: 90, MEDIAN_RAM_UTILIZATION_PCT: 90}),
      run({JOB_BUILD_STATUS: 'blocked', JOB_RUN_SECONDS: 5000, MEDIAN_CPU_UTILIZATION_PCT: 95, MEDIAN_RAM_UTILIZATION_PCT: 95}),
    ])
    // p50 of 100 and 300 = 200; p95: h = 0.95 -> 100 + 0.95 x 200 = 290. Medians of the two runs.
    expect(summary.health?.jobs[0]).toMatchObject({runs: 2, durationP50Seconds: 200, durationP95Seconds: 290, cpuMedianPct: 20, ramMedianPct: 30})
  })

  test('a figure with no value is null, never 0', async () => {
    const summary = await reportOfRows([
      run({JOB_NAME: 'deploy', JOB_BUILD_STATUS: 'canceled', JOB_RUN_SECONDS: null, MEDIAN_CPU_UTILIZATION_PCT: null, MEDIAN_RAM_UTILIZATION_PCT: null}),
    ])
    expect(summary.health?.jobs[0]).toMatchObject({
      runs: 1, successRate: null, durationP50Seconds: null, durationP95Seconds: null, queueP50Seconds: null, queueP95Seconds: null,
      creditsPerSuccessfulRun: null, cpuMedianPct: null, ramMedianPct: null,
    })
  })

  test('job credits equal the job breakdown; job-less rows are no job', async () => {
    const summary = await reportOfRows([
      run({JOB_NAME: 'a', TOTAL_CREDITS: 12.5}),
      run({JOB_NAME: 'b', TOTAL_CREDITS: 3}),
      run({JOB_NAME: null, JOB_BUILD_STATUS: 'blocked', TOTAL_CREDITS: 0}),
    ])
    expect(summary.health?.jobs.map((job) => [job.job, job.credits])).toEqual([['a', 12.5], ['b', 3]])
    const breakdown = new Map(summary.breakdowns.job.map((bucket) => [bucket.dims.job, bucket.credits]))
    for (const job of summary.health?.jobs ?? []) expect(breakdown.get(job.job)).toBe(job.credits)
  })
})

describe('health.workflows', () => {
  test('runs are WORKFLOW_IDs; canceled runs leave the success rate; running ones are not finished', async () => {
    const summary = await reportOfRows([
      run({WORKFLOW_ID: 'ok', WORKFLOW_FIRST_JOB_QUEUED_AT: at(0), WORKFLOW_STOPPED_AT: at(600), TOTAL_CREDITS: 10}),
      run({WORKFLOW_ID: 'ok', JOB_NAME: 'test', WORKFLOW_FIRST_JOB_QUEUED_AT: at(0), WORKFLOW_STOPPED_AT: at(600), TOTAL_CREDITS: 10}),
      run({WORKFLOW_ID: 'red', IS_WORKFLOW_SUCCESSFUL: 'false', JOB_BUILD_STATUS: 'failed', WORKFLOW_FIRST_JOB_QUEUED_AT: at(0), WORKFLOW_STOPPED_AT: at(1200), TOTAL_CREDITS: 20}),
      run({WORKFLOW_ID: 'stop', IS_WORKFLOW_SUCCESSFUL: 'false', JOB_BUILD_STATUS: 'canceled', WORKFLOW_FIRST_JOB_QUEUED_AT: at(0), WORKFLOW_STOPPED_AT: at(60), TOTAL_CREDITS: 2}),
      run({WORKFLOW_ID: 'busy', IS_WORKFLOW_SUCCESSFUL: 'false', JOB_BUILD_STATUS: 'running', WORKFLOW_STOPPED_AT: null, TOTAL_CREDITS: 0}),
    ])
    expect(summary.health?.workflows).toEqual([
      {
        org: 'acme', project: 'api', workflow: 'build-test',
        runs: 4, finishedRuns: 3, successfulRuns: 1, canceledRuns: 1,
        successRate: 0.5,
        // 600, 1200, 60 s: p50 = 600; p95: h = 1.9 -> 600 + 0.9 x 600 = 1140.
        durationP50Seconds: 600, durationP95Seconds: 1140,
        credits: 42, creditsPerRun: 10.5,
      },
    ])
  })

  test('IS_WORKFLOW_SUCCESSFUL is read as `load` reads it: 1/t/yes count as success, a word that is no boolean is refused', async () => {
    const spelled = (success: string, failure: string) => reportOfRows([
      run({WORKFLOW_ID: 'ok-1', IS_WORKFLOW_SUCCESSFUL: success}),
      run({WORKFLOW_ID: 'ok-2', IS_WORKFLOW_SUCCESSFUL: success}),
      run({WORKFLOW_ID: 'red', IS_WORKFLOW_SUCCESSFUL: failure, JOB_BUILD_STATUS: 'failed'}),
    ])
    for (const [success, failure] of [['1', '0'], ['t', 'f'], ['yes', 'no'], ['TRUE', 'FALSE']]) {
      const workflow = (await spelled(success, failure)).health?.workflows[0]
      expect({spelling: success, successfulRuns: workflow?.successfulRuns, successRate: workflow?.successRate}).toEqual({spelling: success, successfulRuns: 2, successRate: 2 / 3})
    }
    await expect(spelled('maybe', 'false')).rejects.toMatchObject({code: 'E_INPUT_UNREADABLE', message: expect.stringMatching(/'maybe'.*IS_WORKFLOW_SUCCESSFUL/)})
  })

  test('a run without a PIPELINE_NUMBER is still a run of its workflow (in no pipeline)', async () => {
    const summary = await reportOfRows([
      run({WORKFLOW_ID: 'w-1', PIPELINE_NUMBER: 1, WORKFLOW_STOPPED_AT: at(600), TOTAL_CREDITS: 30}),
      run({WORKFLOW_ID: 'w-2', PIPELINE_NUMBER: null, IS_WORKFLOW_SUCCESSFUL: 'false', JOB_BUILD_STATUS: 'failed', WORKFLOW_STOPPED_AT: at(1200), TOTAL_CREDITS: 10}),
    ])
    // Two WORKFLOW_IDs: 40 credits over 2 runs, not over the 1 run that has a pipeline number.
    expect(summary.health?.workflows[0]).toMatchObject({
      runs: 2, finishedRuns: 2, successfulRuns: 1, successRate: 0.5,
      // 600 and 1200 s: p50 = 900; p95: h = 0.95 -> 600 + 0.95 x 600 = 1170.
      durationP50Seconds: 900, durationP95Seconds: 1170,
      credits: 40, creditsPerRun: 20,
    })
    // The pipelines are of numbered runs only (README Health).
    expect(summary.health?.pipelines).toMatchObject({count: 1, creditsP50: 30, creditsMean: 30})
  })
})

describe('waste', () => {
  test('reruns are every attempt but the last of a workflow within one pipeline', async () => {
    const attempt = (workflowId: string, queued: number | null, credits: number, extra: Parameters<typeof row>[0] = {}) =>
      run({PIPELINE_NUMBER: 1, WORKFLOW_ID: workflowId, WORKFLOW_FIRST_JOB_QUEUED_AT: queued === null ? null : at(queued), TOTAL_CREDITS: credits, ...extra})
    const summary = await reportOfRows([
      // Three attempts of build-test in pipeline 1: 10:00 (failed), 10:30, and 11:00, the last.
      attempt('w-a', 0, 5, {JOB_BUILD_STATUS: 'failed', IS_WORKFLOW_SUCCESSFUL: 'false'}),
      attempt('w-b', 1800, 7, {JOB_NAME: 'test'}),
      attempt('w-c', 3600, 100),
      // Another workflow of the same pipeline is not a rerun of build-test, nor is pipeline 1 of another project.
      attempt('w-d', 0, 50, {WORKFLOW_NAME: 'nightly'}),
      attempt('w-e', 7200, 23, {PROJECT_NAME: 'web'}),
      // Pipeline 2: the attempt without WORKFLOW_FIRST_JOB_QUEUED_AT is placed by its job's queue time (11:00 > 10:00).
      run({PIPELINE_NUMBER: 2, WORKFLOW_ID: 'x-1', WORKFLOW_FIRST_JOB_QUEUED_AT: null, JOB_RUN_QUEUED_AT: at(3600), TOTAL_CREDITS: 11}),
      run({PIPELINE_NUMBER: 2, WORKFLOW_ID: 'x-2', WORKFLOW_FIRST_JOB_QUEUED_AT: at(0), TOTAL_CREDITS: 13}),
      // Pipeline 3: an attempt with no time at all counts as the earliest.
      run({PIPELINE_NUMBER: 3, WORKFLOW_ID: 'y-1', WORKFLOW_FIRST_JOB_QUEUED_AT: null, TOTAL_CREDITS: 17}),
      run({PIPELINE_NUMBER: 3, WORKFLOW_ID: 'y-2', WORKFLOW_FIRST_JOB_QUEUED_AT: at(0), TOTAL_CREDITS: 19}),
      // Pipeline 4: one attempt only.
      run({PIPELINE_NUMBER: 4, WORKFLOW_ID: 'z-1', TOTAL_CREDITS: 1000, JOB_BUILD_STATUS: 'canceled'}),
    ])
    const waste = summary.waste
    // w-a 5 + x-2 13 + y-1 17; w-b is an earlier attempt too, but its job (test) was not run again in w-c.
    expect(waste?.reruns).toMatchObject({credits: 35, jobs: 3, attempts: 4})
    expect(waste?.reruns.topJobs.map((job) => [job.job, job.credits])).toEqual([['build', 35]])
    expect(waste?.failed).toMatchObject({credits: 5, jobs: 1})
    expect(waste?.canceled).toMatchObject({credits: 1000, jobs: 1})
    // Each row once: w-a is both a rerun and failed.
    expect(waste?.total).toBe(35 + 1000)
    expect(summary.health?.jobs.find((job) => job.job === 'build')?.rerunCredits).toBe(35)
    // The failed and canceled spend are the summary's own failed and canceled figures.
    expect(waste?.failed.credits).toBe(summary.failed.credits)
    expect(waste?.canceled.credits).toBe(summary.canceled.credits)
  })
})

describe('two organizations of one plan with one name', () => {
  test('their same-named projects number pipelines apart: no pipeline, and no rerun, across them', async () => {
    const summary = await reportOfRows([
      // Pipeline 1 of project api in each organization (both called acme), one workflow run each, queued an hour apart.
      run({ORGANIZATION_ID: 'org-1', PIPELINE_NUMBER: 1, WORKFLOW_ID: 'w-1', WORKFLOW_FIRST_JOB_QUEUED_AT: at(0), TOTAL_CREDITS: 5}),
      run({ORGANIZATION_ID: 'org-2', PIPELINE_NUMBER: 1, WORKFLOW_ID: 'w-2', WORKFLOW_FIRST_JOB_QUEUED_AT: at(3600), TOTAL_CREDITS: 7}),
      // A real rerun in org-2's pipeline 2, whose job ran in org-1's pipeline 2 too: only org-2's first attempt is rerun spend.
      run({ORGANIZATION_ID: 'org-2', PIPELINE_NUMBER: 2, WORKFLOW_ID: 'r-1', WORKFLOW_FIRST_JOB_QUEUED_AT: at(0), TOTAL_CREDITS: 11}),
      run({ORGANIZATION_ID: 'org-2', PIPELINE_NUMBER: 2, WORKFLOW_ID: 'r-2', WORKFLOW_FIRST_JOB_QUEUED_AT: at(600), TOTAL_CREDITS: 13}),
      run({ORGANIZATION_ID: 'org-1', PIPELINE_NUMBER: 2, WORKFLOW_ID: 'r-3', WORKFLOW_FIRST_JOB_QUEUED_AT: at(9000), TOTAL_CREDITS: 17}),
    ])
    expect(summary.waste?.reruns).toMatchObject({credits: 11, jobs: 1, attempts: 1})
    expect(summary.health?.pipelines).toMatchObject({count: 4, creditsMean: (5 + 7 + 24 + 17) / 4})
  })
})

describe('waste of a rerun from failed', () => {
  test('only the jobs run again are rerun spend; the jobs that passed and were kept are not', async () => {
    const first = {PIPELINE_NUMBER: 7, WORKFLOW_ID: 'f-1', WORKFLOW_FIRST_JOB_QUEUED_AT: at(0), IS_WORKFLOW_SUCCESSFUL: 'false'}
    const second = {PIPELINE_NUMBER: 7, WORKFLOW_ID: 'f-2', WORKFLOW_FIRST_JOB_QUEUED_AT: at(3600)}
    const summary = await reportOfRows([
      // The first attempt: build passed, test failed, deploy never ran (blocked) behind it.
      run({...first, JOB_NAME: 'build', TOTAL_CREDITS: 300}),
      run({...first, JOB_NAME: 'test', JOB_BUILD_STATUS: 'failed', TOTAL_CREDITS: 40}),
      run({...first, JOB_NAME: 'deploy', JOB_BUILD_STATUS: 'blocked', TOTAL_CREDITS: 0}),
      // "Rerun from failed": test and deploy run again; build's result is kept, not repeated.
      run({...second, JOB_NAME: 'test', TOTAL_CREDITS: 41}),
      run({...second, JOB_NAME: 'deploy', TOTAL_CREDITS: 9}),
    ])
    expect(summary.waste?.reruns).toMatchObject({credits: 40, jobs: 2, attempts: 1})
    expect(summary.waste?.reruns.topJobs.map((job) => [job.job, job.credits, job.jobs])).toEqual([['test', 40, 1], ['deploy', 0, 1]])
    expect(summary.health?.jobs.find((job) => job.job === 'build')?.rerunCredits).toBe(0)
    // test's 40 are failed spend as well: counted once.
    expect(summary.waste?.total).toBe(40)
  })
})

describe('waste top jobs of equal spend', () => {
  test('the same job of several organizations, equal credits and jobs, is listed by organization, as health.jobs is (not in DuckDB group order)', async () => {
    const orgs = ['zz', 'aa', 'mm', 'bb']
    const summary = await reportOfRows(
      orgs.map((org) => run({ORGANIZATION_ID: `id-${org}`, ORGANIZATION_NAME: org, JOB_NAME: 'test', JOB_BUILD_STATUS: 'failed', TOTAL_CREDITS: 5})),
    )
    expect(summary.health?.jobs.map((job) => job.org)).toEqual(['aa', 'bb', 'mm', 'zz'])
    expect(summary.waste?.failed.topJobs.map((job) => job.org)).toEqual(['aa', 'bb', 'mm', 'zz'])
  })
})

describe('triggers, branches and pipelines', () => {
  // WORKFLOW_IDs are unique across projects, as CircleCI's UUIDs are.
  const rows = () => [
    run({PROJECT_NAME: 'api', PIPELINE_NUMBER: 1, WORKFLOW_ID: 'api-1', VCS_BRANCH: 'main', TOTAL_CREDITS: 10}),
    run({PROJECT_NAME: 'api', PIPELINE_NUMBER: 1, WORKFLOW_ID: 'api-1', VCS_BRANCH: 'main', JOB_NAME: 'test', TOTAL_CREDITS: 5}),
    run({PROJECT_NAME: 'api', PIPELINE_NUMBER: 2, WORKFLOW_ID: 'api-2', VCS_BRANCH: 'master', TOTAL_CREDITS: 20, PIPELINE_TRIGGER_SOURCE: 'api'}),
    run({PROJECT_NAME: 'api', PIPELINE_NUMBER: 3, WORKFLOW_ID: 'api-3', VCS_BRANCH: 'feature/x', TOTAL_CREDITS: 40, PIPELINE_TRIGGER_SOURCE: 'scheduled_pipeline'}),
    run({PROJECT_NAME: 'web', PIPELINE_NUMBER: 1, WORKFLOW_ID: 'web-1', VCS_BRANCH: 'master', TOTAL_CREDITS: 100}),
    run({PROJECT_NAME: 'web', PIPELINE_NUMBER: 2, WORKFLOW_ID: 'web-2', VCS_BRANCH: 'develop', TOTAL_CREDITS: 200}),
    run({PROJECT_NAME: 'docs', PIPELINE_NUMBER: 1, WORKFLOW_ID: 'docs-1', VCS_BRANCH: 'trunk', TOTAL_CREDITS: 1000, PIPELINE_TRIGGER_SOURCE: null}),
  ]

  test('default branch is main, else master, else unknown; the kinds add up to the total', async () => {
    const summary = await reportOfRows(rows())
    const branches = summary.health?.branches
    expect(branches?.projects.map((p) => [p.project, p.defaultBranch, p.source, p.defaultCredits, p.otherCredits, p.credits])).toEqual([
      ['docs', null, null, 0, 0, 1000],
      ['web', 'master', 'data', 100, 200, 300],
      ['api', 'main', 'data', 15, 60, 75],
    ])
    // Every project's credits, an unknown default's included, add up to the total (docs read 0 and 0 before).
    expect(branches?.projects.reduce((sum, p) => sum + p.credits, 0)).toBe(summary.totals.credits.total)
    expect([branches?.default.credits, branches?.other.credits, branches?.unknown.credits]).toEqual([115, 260, 1000])
    expect([branches?.default.jobs, branches?.other.jobs, branches?.unknown.jobs]).toEqual([3, 3, 1])
    expect((branches?.default.credits ?? 0) + (branches?.other.credits ?? 0) + (branches?.unknown.credits ?? 0)).toBe(summary.totals.credits.total)
  })

  test('--default-branch NAME for every project, PROJECT=NAME for one; a rule for no project is a warning', async () => {
    const warnings: string[] = []
    const summary = await reportOfRows(rows(), {defaultBranches: parseDefaultBranchRules(['develop', 'docs=trunk', 'nope=main']), warn: (line) => warnings.push(line)})
    expect(summary.health?.branches.projects.map((p) => [p.project, p.defaultBranch, p.source, p.defaultCredits])).toEqual([
      ['docs', 'trunk', 'flag', 1000],
      ['web', 'develop', 'flag', 200],
      ['api', 'develop', 'flag', 0],
    ])
    expect(warnings).toEqual(['--default-branch nope=... names no project in the report; check the name (exact, case-sensitive).'])
  })

  test('bad --default-branch values are one clear error', () => {
    for (const value of ['', 'api=', '=main']) {
      expect(() => parseDefaultBranchRules([value])).toThrow(CciUsageError)
    }
    expect(() => parseDefaultBranchRules(['main', 'develop'])).toThrow(/twice/)
    expect(() => parseDefaultBranchRules(['api=main', 'api=trunk'])).toThrow(/two branches for project api/)
    // A branch name may itself hold '=': only the first one separates the project.
    expect(parseDefaultBranchRules(['api=release=1']).byProject.get('api')).toBe('release=1')
  })

  test('trigger sources as exported, and credits per pipeline p50/p95', async () => {
    const summary = await reportOfRows(rows())
    expect(summary.health?.triggerSources.map((b) => [b.key, b.jobs, b.credits])).toEqual([
      ['(none)', 1, 1000],
      ['webhook', 4, 315],
      ['scheduled_pipeline', 1, 40],
      ['api', 1, 20],
    ])
    expect(summary.health?.triggerSources.reduce((sum, b) => sum + b.credits, 0)).toBe(summary.totals.credits.total)
    // Pipelines (numbers are per project, so api #1, web #1 and docs #1 are three): api 15, 20, 40; web 100, 200;
    // docs 1000. p50 = (40 + 100) / 2 = 70; p95: h = 4.75 ->
    // 200 + 0.75 x 800 = 800.
    // The mean is an exact division rounded to a micro-credit.
    expect(summary.health?.pipelines).toEqual({count: 6, creditsP50: 70, creditsP95: 800, creditsMean: 229.166667})
  })
})

describe('scope and the switch', () => {
  test('--end alone before the first day of the data: the window is that day, and health holds no row, as the totals', async () => {
    const summary = await reportOfRows([run({TOTAL_CREDITS: 10, JOB_RUN_DATE: '2024-11-15'})], {}, {until: '2024-11-12'})
    expect(summary.window).toMatchObject({start: '2024-11-12T00:00:00.000Z', end: '2024-11-13T00:00:00.000Z', days: 1})
    expect(summary.totals.rows).toBe(0)
    expect(summary.health?.jobs).toEqual([])
    expect(summary.health?.pipelines.count).toBe(0)
    expect(summary.waste?.total).toBe(0)
  })

  test('filters and the window apply to every health figure', async () => {
    const summary = await reportOfRows(
      [
        run({PROJECT_NAME: 'api', TOTAL_CREDITS: 10, JOB_RUN_DATE: '2024-11-11'}),
        run({PROJECT_NAME: 'api', WORKFLOW_ID: 'w-2', TOTAL_CREDITS: 20, JOB_RUN_DATE: '2024-11-15', JOB_BUILD_STATUS: 'failed'}),
        run({PROJECT_NAME: 'web', TOTAL_CREDITS: 40, JOB_RUN_DATE: '2024-11-11'}),
      ],
      {},
      {project: 'api', since: '2024-11-10', until: '2024-11-12'},
    )
    expect(summary.health?.jobs.map((job) => [job.project, job.credits])).toEqual([['api', 10]])
    expect(summary.health?.workflows.map((workflow) => workflow.runs)).toEqual([1])
    expect(summary.waste?.failed.credits).toBe(0)
    expect(summary.health?.triggerSources.reduce((sum, b) => sum + b.credits, 0)).toBe(10)
  })

  test('CCI_USAGE_HEALTH=0 turns the section off: no extra scan columns, health and waste null', async () => {
    expect(healthEnabled({})).toBe(true)
    expect(healthEnabled({CCI_USAGE_HEALTH: '0'})).toBe(false)
    expect(healthEnabled({CCI_USAGE_HEALTH: 'off'})).toBe(false)
    expect(fullReportHooks(10, {env: {CCI_USAGE_HEALTH: '0'}}).extraRowColumns).toEqual([])
    const summary = await reportOfRows([run({})], {env: {CCI_USAGE_HEALTH: '0'}})
    expect(summary.health).toBeNull()
    expect(summary.waste).toBeNull()
    expect(summary.savings).not.toBeNull()
  })
})
