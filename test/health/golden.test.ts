/**
 * Issue 13's check on the real export: every health figure of two chosen jobs recomputed here independently, in
 * plain JavaScript over the parsed CSV rows (no DuckDB, no SQL), and compared with what the report wrote to
 * summary.json and by-job.csv.
 */
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gunzipSync} from 'node:zlib'

import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {parseString} from 'fast-csv'

import type {HealthJob, HealthWorkflow, Summary} from '../../src/analysis/summary.js'
import {fullReportHooks} from '../../src/report/hooks.js'
import {generateReport} from '../../src/report/index.js'
import {GOLDEN_EXPORT, haveGoldenExport} from '../helpers/repo.js'
import {CLOCK} from './report.js'

const NULL = String.raw`\\N`
type Row = Record<string, string | null>

async function goldenRows(): Promise<Row[]> {
  const [headerLine, ...lines] = gunzipSync(await readFile(GOLDEN_EXPORT)).toString('utf8').split('\n').filter((line) => line !== '')
  const header = headerLine.split(',')
  // The golden file is unquoted (see ../shared/data/README.md), so a split is an exact parse.
  return lines.map((line) => Object.fromEntries(line.split(',').map((value, index) => [header[index], value === NULL ? null : value])))
}

/** R-7 (linear interpolation): the definition summary.ts states for every percentile. */
function quantile(values: number[], q: number): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const h = (sorted.length - 1) * q
  const low = Math.floor(h)
  return low + 1 < sorted.length ? sorted[low] + (h - low) * (sorted[low + 1] - sorted[low]) : sorted[low]
}

const micro = (value: string | null): bigint => BigInt(Math.round(Number(value ?? 0) * 1_000_000))
const credits = (rows: Row[]): number => Number(rows.reduce((sum, row) => sum + micro(row.TOTAL_CREDITS), 0n)) / 1_000_000
const seconds = (timestamp: string): number => Date.parse(`${timestamp.replace(' ', 'T')}Z`) / 1000
const numbers = (rows: Row[], column: string): number[] => rows.flatMap((row) => (row[column] === null ? [] : [Number(row[column])]))

/** Every attempt but the last of a workflow within a pipeline, by first-queued time. */
function rerunWorkflowIds(rows: Row[]): Set<string> {
  const attempts = new Map<string, Map<string, number>>()
  for (const row of rows) {
    if (!row.PIPELINE_ID || !row.WORKFLOW_ID) continue
    const key = `${row.PIPELINE_ID}/${row.WORKFLOW_NAME}`
    const times = attempts.get(key) ?? new Map<string, number>()
    const at = row.WORKFLOW_FIRST_JOB_QUEUED_AT ?? row.JOB_RUN_QUEUED_AT ?? row.JOB_RUN_STARTED_AT
    const time = at === null ? Number.NEGATIVE_INFINITY : seconds(at)
    times.set(row.WORKFLOW_ID, Math.min(times.get(row.WORKFLOW_ID) ?? Number.POSITIVE_INFINITY, time))
    attempts.set(key, times)
  }
  const reruns = new Set<string>()
  for (const times of attempts.values()) {
    const ordered = [...times.entries()].sort(([idA, a], [idB, b]) => a - b || (idA < idB ? -1 : 1))
    for (const [id] of ordered.slice(0, -1)) reruns.add(id)
  }
  return reruns
}

const NOT_STARTED = new Set(['blocked', 'queued', 'not_run', 'not_running', 'on_hold', 'unauthorized'])

function expectedJob(all: Row[], project: string, workflow: string, job: string): HealthJob {
  const rows = all.filter((row) => row.PROJECT_NAME === project && row.WORKFLOW_NAME === workflow && row.JOB_NAME === job)
  const runs = rows.filter((row) => !NOT_STARTED.has(row.JOB_BUILD_STATUS ?? ''))
  const count = (status: string) => runs.filter((row) => row.JOB_BUILD_STATUS === status).length
  const durations = numbers(runs, 'JOB_RUN_SECONDS')
  const queues = rows.flatMap((row) => (row.JOB_RUN_QUEUED_AT && row.JOB_RUN_STARTED_AT ? [seconds(row.JOB_RUN_STARTED_AT) - seconds(row.JOB_RUN_QUEUED_AT)] : [])).filter((value) => value >= 0)
  const reruns = rerunWorkflowIds(all)
  const total = credits(rows)
  const finished = runs.length - count('canceled') - count('running')
  return {
    org: rows[0].ORGANIZATION_NAME,
    project,
    workflow,
    job,
    runs: runs.length,
    successfulRuns: count('success'),
    failedRuns: count('failed'),
    canceledRuns: count('canceled'),
    successRate: finished > 0 ? count('success') / finished : null,
    durationP50Seconds: quantile(durations, 0.5),
    durationP95Seconds: quantile(durations, 0.95),
    queueP50Seconds: quantile(queues, 0.5),
    queueP95Seconds: quantile(queues, 0.95),
    credits: total,
    creditsPerSuccessfulRun: count('success') > 0 ? total / count('success') : null,
    cpuMedianPct: quantile(numbers(rows, 'MEDIAN_CPU_UTILIZATION_PCT'), 0.5),
    ramMedianPct: quantile(numbers(rows, 'MEDIAN_RAM_UTILIZATION_PCT'), 0.5),
    failedCredits: credits(rows.filter((row) => row.JOB_BUILD_STATUS === 'failed')),
    canceledCredits: credits(rows.filter((row) => row.JOB_BUILD_STATUS === 'canceled')),
    rerunCredits: credits(rows.filter((row) => row.WORKFLOW_ID !== null && reruns.has(row.WORKFLOW_ID))),
  }
}

function expectedWorkflow(all: Row[], project: string, workflow: string): HealthWorkflow {
  const rows = all.filter((row) => row.PROJECT_NAME === project && row.WORKFLOW_NAME === workflow)
  const byId = new Map<string, Row[]>()
  for (const row of rows) if (row.WORKFLOW_ID) byId.set(row.WORKFLOW_ID, [...(byId.get(row.WORKFLOW_ID) ?? []), row])
  const runs = [...byId.values()]
  const finished = runs.filter((run) => run[0].WORKFLOW_STOPPED_AT !== null)
  const successful = finished.filter((run) => run[0].IS_WORKFLOW_SUCCESSFUL === 'true')
  const canceled = finished.filter(
    (run) => run[0].IS_WORKFLOW_SUCCESSFUL !== 'true' && run.some((row) => row.JOB_BUILD_STATUS === 'canceled') && !run.some((row) => ['failed', 'infrastructure_fail', 'timedout'].includes(row.JOB_BUILD_STATUS ?? '')),
  )
  const durations = runs.flatMap((run) => (run[0].WORKFLOW_FIRST_JOB_QUEUED_AT && run[0].WORKFLOW_STOPPED_AT ? [seconds(run[0].WORKFLOW_STOPPED_AT) - seconds(run[0].WORKFLOW_FIRST_JOB_QUEUED_AT)] : []))
  const total = credits(rows)
  return {
    org: rows[0].ORGANIZATION_NAME,
    project,
    workflow,
    runs: runs.length,
    finishedRuns: finished.length,
    successfulRuns: successful.length,
    canceledRuns: canceled.length,
    successRate: finished.length - canceled.length > 0 ? successful.length / (finished.length - canceled.length) : null,
    durationP50Seconds: quantile(durations, 0.5),
    durationP95Seconds: quantile(durations, 0.95),
    credits: total,
    creditsPerRun: runs.length > 0 ? total / runs.length : null,
  }
}

/** Numbers equal to a micro-unit (the report rounds percentiles and divisions to six decimals), nulls exactly. */
function expectClose(actual: object | undefined, expected: object): void {
  expect(actual).toBeDefined()
  for (const [key, value] of Object.entries(expected)) {
    const got = (actual as Record<string, unknown>)[key]
    if (typeof value === 'number') expect([key, got]).toEqual([key, expect.closeTo(value, 5)])
    else expect([key, got]).toEqual([key, value])
  }
}

const run = haveGoldenExport('the health figures of the real export') ? describe : describe.skip

run('health on the real export, recomputed independently', () => {
  let out: string
  let summary: Summary
  let rows: Row[]
  let csv: Record<string, string>[]

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'cci-usage-health-golden-'))
    rows = await goldenRows()
    const {enrich, extraRowColumns} = fullReportHooks(10)
    ;({summary} = await generateReport({inputs: [GOLDEN_EXPORT], outDir: out, top: 10, enrich, extraRowColumns}, {clock: CLOCK}))
    csv = await readCsv(join(out, 'by-job.csv'))
  })

  afterAll(async () => {
    if (out) await rm(out, {recursive: true, force: true})
  })

  const chosen = [
    // 2 machine 2xlarge runs, both failed, with queue times.
    ['pachyderm', 'functional-tests', 'integration-tests'],
    // 12 runs: 9 success, 2 failed, 1 canceled; utilisation on 10 of them.
    ['determined', 'test-go', 'test-intg-agent'],
  ] as const

  test.each(chosen)('every figure of job %s / %s / %s', (project, workflow, job) => {
    const expected = expectedJob(rows, project, workflow, job)
    expect(expected.runs).toBeGreaterThan(1)
    expectClose(summary.health?.jobs.find((entry) => entry.project === project && entry.workflow === workflow && entry.job === job), expected)
  })

  test.each(chosen)('the workflow of %s / %s', (project, workflow, _job) => {
    expectClose(summary.health?.workflows.find((entry) => entry.project === project && entry.workflow === workflow), expectedWorkflow(rows, project, workflow))
  })

  test.each(chosen)('by-job.csv carries the same figures for %s / %s / %s', (project, workflow, job) => {
    const expected = expectedJob(rows, project, workflow, job)
    const record = csv.find((entry) => entry.project === project && entry.workflow === workflow && entry.job === job)
    expect(record).toBeDefined()
    const cell = (value: number | null) => (value === null ? '' : value)
    expect(Number(record?.credits)).toBe(expected.credits)
    expect(Number(record?.failed_credits)).toBe(expected.failedCredits)
    for (const [column, value] of [
      ['runs', expected.runs],
      ['successful_runs', expected.successfulRuns],
      ['failed_runs', expected.failedRuns],
      ['canceled_runs', expected.canceledRuns],
      ['success_rate', expected.successRate],
      ['duration_p50_s', expected.durationP50Seconds],
      ['duration_p95_s', expected.durationP95Seconds],
      ['queue_p50_s', expected.queueP50Seconds],
      ['queue_p95_s', expected.queueP95Seconds],
      ['credits_per_successful_run', expected.creditsPerSuccessfulRun],
      ['cpu_median_pct', expected.cpuMedianPct],
      ['ram_median_pct', expected.ramMedianPct],
      ['canceled_credits', expected.canceledCredits],
      ['rerun_credits', expected.rerunCredits],
    ] as const) {
      const text = record?.[column] ?? 'missing'
      if (value === null) expect([column, text]).toEqual([column, ''])
      else expect([column, Number(text)]).toEqual([column, expect.closeTo(Number(cell(value)), 5)])
    }
  })

  test('the one rerun of the export: pachyderm python-sdk, first attempt failed, 365 credits', () => {
    const reruns = rerunWorkflowIds(rows)
    expect([...reruns]).toEqual(['cd97ea0b-8270-43f4-84be-277d703f2ce6'])
    expect(summary.waste?.reruns).toMatchObject({credits: 365, jobs: 1, attempts: 1})
    expect(summary.waste?.reruns.topJobs[0]).toMatchObject({project: 'pachyderm', workflow: 'python-sdk', job: 'build-only-docker-images', credits: 365})
    // Failed and canceled spend are the README's figures; the rerun's failed job is in both, counted once in total.
    expect(summary.waste?.failed).toMatchObject({credits: 122_882, jobs: 64})
    expect(summary.waste?.canceled.credits).toBe(4_768)
    expect(summary.waste?.total).toBe(122_882 + 4_768)
  })

  test('triggers, branch kinds and pipelines add up to the export, recomputed', () => {
    const health = summary.health
    const bySource = new Map<string, number>()
    for (const row of rows) bySource.set(row.PIPELINE_TRIGGER_SOURCE ?? '(none)', (bySource.get(row.PIPELINE_TRIGGER_SOURCE ?? '(none)') ?? 0) + Number(row.TOTAL_CREDITS))
    expect(Object.fromEntries(health?.triggerSources.map((bucket) => [bucket.key, bucket.credits]) ?? [])).toEqual(Object.fromEntries(bySource))
    const kinds = (health?.branches.default.credits ?? 0) + (health?.branches.other.credits ?? 0) + (health?.branches.unknown.credits ?? 0)
    expect(kinds).toBe(532_406)
    // determined has main; its default-branch credits are its rows on main.
    const determined = health?.branches.projects.find((project) => project.project === 'determined')
    expect(determined).toMatchObject({defaultBranch: 'main', source: 'data'})
    expect(determined?.defaultCredits).toBe(credits(rows.filter((row) => row.PROJECT_NAME === 'determined' && row.VCS_BRANCH === 'main')))
    const perPipeline = new Map<string, number>()
    for (const row of rows) if (row.PIPELINE_ID) perPipeline.set(row.PIPELINE_ID, (perPipeline.get(row.PIPELINE_ID) ?? 0) + Number(row.TOTAL_CREDITS))
    expect(health?.pipelines.count).toBe(perPipeline.size)
    expect(health?.pipelines.creditsP50).toBeCloseTo(quantile([...perPipeline.values()], 0.5) ?? Number.NaN, 6)
    expect(health?.pipelines.creditsP95).toBeCloseTo(quantile([...perPipeline.values()], 0.95) ?? Number.NaN, 6)
  })
})

/** A CSV the report wrote, parsed by a CSV library (its cells may be quoted). */
async function readCsv(path: string): Promise<Record<string, string>[]> {
  const text = await readFile(path, 'utf8')
  return new Promise((resolve, reject) => {
    const records: Record<string, string>[] = []
    parseString(text, {headers: true})
      .on('data', (record: Record<string, string>) => records.push(record))
      .on('error', reject)
      .on('end', () => resolve(records))
  })
}
