/**
 * The health section through the built CLI: `run --demo` (flaky tests on, from the simulator), `report
 * --flaky-tests` against a simulator this test starts, the flags' errors, and the switch the bench uses.
 */
import {existsSync} from 'node:fs'
import {mkdtemp, readdir, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'

import type {Summary} from '../../src/analysis/summary.js'
import {CSV_NULL} from '../../src/core/usage-columns.js'
import {startSimulator, type Simulator} from '../../src/simulator/index.js'
import {isBuilt, runCli} from '../helpers/cli.js'

let out: string

beforeAll(async () => {
  if (!isBuilt('run')) throw new Error('dist/ is not built: run `npm run build` first')
  out = await mkdtemp(join(tmpdir(), 'cci-usage-health-cli-'))
})

afterAll(async () => {
  if (out) await rm(out, {recursive: true, force: true})
})

const readSummary = async (dir: string): Promise<Summary> => JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as Summary

/**
 * Rerun credits of usage.csv by hand: the rows of every attempt but the last of a workflow name within a
 * pipeline whose job runs again in a later attempt (the demo reruns from failed); a row without a job counts.
 */
async function rerunCredits(csvPath: string, window: {start: string; end: string}): Promise<number> {
  const [headerLine, ...lines] = (await readFile(csvPath, 'utf8')).split('\n').filter((line) => line !== '')
  const header = headerLine.split(',')
  const col = (name: string) => header.indexOf(name)
  const rows = lines.map((line) => line.split(',')).filter((fields) => fields[col('JOB_RUN_DATE')] >= window.start.slice(0, 10) && fields[col('JOB_RUN_DATE')] < window.end.slice(0, 10))
  const attempts = new Map<string, Map<string, {at: string; rows: string[][]}>>()
  for (const fields of rows) {
    const key = `${fields[col('PIPELINE_ID')]}/${fields[col('WORKFLOW_NAME')]}`
    const byId = attempts.get(key) ?? new Map<string, {at: string; rows: string[][]}>()
    const attempt = byId.get(fields[col('WORKFLOW_ID')]) ?? {at: fields[col('WORKFLOW_FIRST_JOB_QUEUED_AT')], rows: []}
    attempt.rows.push(fields)
    byId.set(fields[col('WORKFLOW_ID')], attempt)
    attempts.set(key, byId)
  }
  let credits = 0
  for (const byId of attempts.values()) {
    const ordered = [...byId.values()].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
    ordered.forEach((attempt, index) => {
      const later = new Set(ordered.slice(index + 1).flatMap((next) => next.rows.map((fields) => fields[col('JOB_NAME')])))
      if (later.size === 0) return
      for (const fields of attempt.rows) {
        if (fields[col('JOB_NAME')] === CSV_NULL || later.has(fields[col('JOB_NAME')])) credits += Number(fields[col('TOTAL_CREDITS')])
      }
    })
  }
  return credits
}

describe('cci-usage run --demo', () => {
  let summary: Summary
  let stderr: string

  beforeAll(async () => {
    const result = await runCli(['run', '--demo', '--out', out])
    stderr = result.stderr
    expect(result.code).toBe(0)
    summary = await readSummary(out)
  })

  test('has the health section, reruns and priced flaky tests; Insights gaps are warnings naming the project', async () => {
    expect(summary.health?.jobs.length).toBeGreaterThan(10)
    expect(summary.waste?.reruns.attempts).toBeGreaterThan(0)
    expect(summary.waste?.reruns.credits).toBe(await rerunCredits(join(out, 'usage.csv'), summary.window))
    const flaky = summary.health?.flakyTests
    expect(flaky?.projects.find((project) => project.project === 'infra')?.status).toBe('not-found')
    expect(flaky?.projects.find((project) => project.project === 'windows-client')?.status).toBe('forbidden')
    expect(flaky?.tests.some((test) => test.credits !== null && test.credits > 0)).toBe(true)
    expect(stderr).toMatch(/Warning: no flaky tests for project infra \(gh\/acme\/infra\)/)
    expect(stderr).toMatch(/Warning: no flaky tests for project windows-client/)
    expect(summary.artifacts).toContain('report.html')
    expect(existsSync(join(out, 'by-job.csv'))).toBe(true)
  })

  test('savings are rightsizing only and say the window they are projected from (issue 10 item 16)', async () => {
    const savings = summary.savings
    expect(savings?.top.length).toBeGreaterThan(0)
    expect(savings?.top.every((opportunity) => opportunity.kind === 'rightsizing')).toBe(true)
    expect(savings?.projectedFrom).toEqual(summary.window)
    for (const opportunity of savings?.top ?? []) expect(opportunity.title).toContain(`projected from the ${summary.window.days} days ${summary.window.start.slice(0, 10)}..`)
    // The savings card is the sum of the rightsizing opportunities, not failed credits scaled to a week.
    const html = await readFile(join(out, 'report.html'), 'utf8')
    const perWeek = (savings?.top ?? []).reduce((sum, opportunity) => sum + opportunity.creditsPerWeek, 0)
    expect(html).toContain(`<div class="kpi-label">Savings found, credits/week</div><div class="kpi-value">${Math.round(perWeek).toLocaleString('en-US')}</div>`)
    expect(html).toMatch(/rightsizing opportunities, projected from the 7 days/)
    expect(html).toContain('<div class="kpi-label">Spent on failed jobs</div>')
    expect(html).toContain('<h3>Waste: spend, not savings</h3>')
  })
})

describe('cci-usage report --flaky-tests', () => {
  let simulator: Simulator

  beforeAll(async () => {
    simulator = await startSimulator({token: 'report-insights-token-42'})
  })

  afterAll(async () => {
    await simulator?.close()
  })

  test('reads Insights with the token from the environment, which no output contains', async () => {
    const dir = join(out, 'flaky')
    const result = await runCli(['report', '--input', join(out, 'usage.csv'), '--out', dir, '--flaky-tests', '--host', simulator.apiUrl], {CIRCLECI_API_TOKEN: simulator.token})
    expect(result.code).toBe(0)
    const summary = await readSummary(dir)
    expect(summary.health?.flakyTests?.projects.filter((project) => project.status === 'ok').length).toBeGreaterThan(5)
    expect(simulator.requests.filter((request) => request.path.startsWith('/api/v2/insights/')).every((request) => request.hadCircleToken)).toBe(true)
    const written = await Promise.all((await readdir(dir)).map((name) => readFile(join(dir, name), 'latin1')))
    for (const text of [result.stdout, result.stderr, ...written]) expect(text).not.toContain(simulator.token)
  })

  test('without a token: exit 3, one line, before any data is read', async () => {
    const result = await runCli(['report', '--input', join(out, 'usage.csv'), '--out', join(out, 'no-token'), '--flaky-tests'])
    expect(result.code).toBe(3)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toMatch(/No CircleCI token: set CIRCLECI_API_TOKEN \(or pass --token\); it is needed to read flaky tests, or drop --flaky-tests\./)
    expect(existsSync(join(out, 'no-token', 'summary.json'))).toBe(false)
  })
})

describe('flags and the switch', () => {
  test('a bad --default-branch is exit 2 with one line', async () => {
    const result = await runCli(['report', '--input', join(out, 'usage.csv'), '--out', join(out, 'bad-branch'), '--default-branch', 'api='])
    expect(result.code).toBe(2)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toContain('--default-branch "api=" is not a branch')
  })

  test('--default-branch changes the branch split; CCI_USAGE_HEALTH=0 leaves health out and writes no by-job.csv', async () => {
    const withFlag = join(out, 'develop')
    expect((await runCli(['report', '--input', join(out, 'usage.csv'), '--out', withFlag, '--default-branch', 'release/v1.0'])).code).toBe(0)
    const flagged = await readSummary(withFlag)
    expect(flagged.health?.branches.projects.every((project) => project.defaultBranch === 'release/v1.0' && project.source === 'flag')).toBe(true)

    const off = join(out, 'off')
    expect((await runCli(['report', '--input', join(out, 'usage.csv'), '--out', off], {CCI_USAGE_HEALTH: '0'})).code).toBe(0)
    const summary = await readSummary(off)
    expect(summary.health).toBeNull()
    expect(summary.waste).toBeNull()
    expect(existsSync(join(off, 'by-job.csv'))).toBe(false)
    expect(summary.totals.credits.total).toBe(flagged.totals.credits.total)
  })
})
