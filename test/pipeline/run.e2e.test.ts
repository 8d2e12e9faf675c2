/**
 * The weekly job end to end, as the orb runs it: the built CLI's `run --demo` (simulator in-process), then the
 * numbers in summary.json checked against an independent parse of the usage.csv it wrote.
 */
import {existsSync} from 'node:fs'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {Summary} from '../../src/analysis/summary.js'
import {isBuilt, runCli} from '../helpers/cli.js'
import {FAKE_TS, startFakeSlack, type FakeSlack} from '../helpers/fake-slack.js'

/** Credits of usage.csv rows per JOB_RUN_DATE, parsed by hand (the real dialect: unquoted, `\\N` nulls). */
async function creditsByDay(csvPath: string): Promise<Map<string, number>> {
  const [headerLine, ...lines] = (await readFile(csvPath, 'utf8')).split('\n').filter((line) => line !== '')
  const header = headerLine.split(',')
  const day = header.indexOf('JOB_RUN_DATE')
  const total = header.indexOf('TOTAL_CREDITS')
  const byDay = new Map<string, number>()
  for (const line of lines) {
    const fields = line.split(',')
    expect(fields).toHaveLength(header.length)
    byDay.set(fields[day], (byDay.get(fields[day]) ?? 0) + Number(fields[total]))
  }
  return byDay
}

function sumDays(byDay: Map<string, number>, start: string, end: string): number {
  let sum = 0
  for (const [day, credits] of byDay) if (day >= start && day < end) sum += credits
  return sum
}

let out: string

beforeAll(async () => {
  if (!isBuilt('run')) throw new Error('dist/ is not built: run `npm run build` first')
  out = await mkdtemp(join(tmpdir(), 'cci-usage-run-'))
})

afterAll(async () => {
  if (out) await rm(out, {recursive: true, force: true})
})

describe('cci-usage run --demo', () => {
  let summary: Summary

  it('writes every artifact of the weekly job', async () => {
    const result = await runCli(['run', '--demo', '--out', out])
    expect(result.stderr).not.toMatch(/^\s+at /m)
    expect(result.code).toBe(0)
    for (const file of [
      'usage.csv',
      'export-manifest.json',
      'summary.json',
      'by-project.csv',
      'credits-by-project.svg',
      'credits-by-day.svg',
      'credits-by-resource-class.svg',
      'credits-by-project.png',
      'report.html',
    ]) {
      expect(existsSync(join(out, file))).toBe(true)
    }
    expect(result.stdout).toMatch(/Total/i)
    summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as Summary
  })

  it('reports exactly the credits of the last 7 days in usage.csv, and compares with the 7 days before', async () => {
    const byDay = await creditsByDay(join(out, 'usage.csv'))
    const {start, end} = summary.window
    expect(summary.window.days).toBe(7)
    expect(summary.totals.credits.total).toBe(sumDays(byDay, start.slice(0, 10), end.slice(0, 10)))
    expect(summary.totals.credits.total).toBeGreaterThan(0)

    const comparison = summary.comparison!
    expect(comparison).not.toBeNull()
    expect(comparison.previousWindow.end).toBe(start)
    expect(comparison.previous.credits).toBe(sumDays(byDay, comparison.previousWindow.start.slice(0, 10), start.slice(0, 10)))
    expect(comparison.change.credits).toBe(summary.totals.credits.total - comparison.previous.credits)
    // usage.csv holds every row exported: both weeks, and (with --demo's history) the days the history lacked.
    const manifest = JSON.parse(await readFile(join(out, 'export-manifest.json'), 'utf8')) as {windows: {start: string; end: string}[]}
    const exported = (day: string) => manifest.windows.some((window) => window.start.slice(0, 10) <= day && day < window.end.slice(0, 10))
    expect([...byDay.keys()].filter((day) => !exported(day))).toEqual([])
    expect(exported(comparison.previousWindow.start.slice(0, 10))).toBe(true)
  })

  it('includes savings and lists its charts as artifacts', () => {
    expect(summary.savings).not.toBeNull()
    expect(summary.savings!.top.length).toBeGreaterThan(0)
    expect(summary.savings!.top.length).toBeLessThanOrEqual(3)
    expect(summary.artifacts).toEqual(expect.arrayContaining(['credits-by-project.svg', 'credits-by-project.png', 'report.html']))
  })

  it('previews the Slack message with --notify always --dry-run and posts nothing', async () => {
    const dryOut = await mkdtemp(join(tmpdir(), 'cci-usage-run-dry-'))
    try {
      const result = await runCli(['run', '--demo', '--out', dryOut, '--notify', 'always', '--dry-run'])
      expect(result.code).toBe(0)
      const payload = JSON.parse(result.stdout) as {text: string; blocks: {type: string}[]}
      expect(payload.blocks[0].type).toBe('header')
      expect(payload.text).toMatch(/credits/)
    } finally {
      await rm(dryOut, {recursive: true, force: true})
    }
  })
})

describe('cci-usage run --demo --notify always (fake Slack)', () => {
  let slack: FakeSlack
  let slackOut: string

  beforeAll(async () => {
    slack = await startFakeSlack()
    slackOut = await mkdtemp(join(tmpdir(), 'cci-usage-run-slack-'))
  })

  afterAll(async () => {
    await slack?.close()
    if (slackOut) await rm(slackOut, {recursive: true, force: true})
  })

  it('posts the summary and uploads the chart into its thread, never printing the token', async () => {
    const result = await runCli(['run', '--demo', '--out', slackOut, '--notify', 'always'], {
      SLACK_ACCESS_TOKEN: slack.token,
      SLACK_DEFAULT_CHANNEL: 'C0USAGE001',
      SLACK_API_URL: slack.apiUrl,
    })
    expect(result.code).toBe(0)
    expect(slack.requests.map((request) => request.route)).toEqual([
      'chat.postMessage',
      'files.getUploadURLExternal',
      'upload',
      'files.completeUploadExternal',
    ])
    const complete = slack.requests[3].fields
    expect(String(complete.thread_ts ?? JSON.stringify(complete))).toContain(FAKE_TS)
    // With a history (--demo keeps one) the thread gets the weekly trend chart.
    const png = await readFile(join(slackOut, 'credits-by-week.png'))
    expect(slack.requests[2].raw.includes(png)).toBe(true)
    const artifacts = await Promise.all(['summary.json', 'report.html', 'export-manifest.json'].map((file) => readFile(join(slackOut, file), 'utf8')))
    for (const text of [result.stdout, result.stderr, ...artifacts]) expect(text).not.toContain(slack.token)
  })

  it('keeps the artifacts and exits 0 when Slack refuses the token, with one clear line', async () => {
    slack.requests.length = 0
    const result = await runCli(['run', '--demo', '--out', slackOut, '--notify', 'always'], {
      SLACK_ACCESS_TOKEN: 'xoxb-revoked-token-000000',
      SLACK_DEFAULT_CHANNEL: 'C0USAGE001',
      SLACK_API_URL: slack.apiUrl,
    })
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/Warning: .*(token|auth)/i)
    expect(result.stderr).not.toContain('xoxb-revoked-token-000000')
    expect(existsSync(join(slackOut, 'report.html'))).toBe(true)
  })

  it('still posts the week when the --load-to database is down, then exits with the load error (4)', async () => {
    slack.requests.length = 0
    const result = await runCli(['run', '--demo', '--out', slackOut, '--notify', 'always'], {
      SLACK_ACCESS_TOKEN: slack.token,
      SLACK_DEFAULT_CHANNEL: 'C0USAGE001',
      SLACK_API_URL: slack.apiUrl,
      // Port 1 on the loopback: refused at once, as a database that is down.
      CCI_USAGE_LOAD_TO: 'postgres://usage:load-secret-pw@127.0.0.1:1/usage',
    })
    expect(result.code).toBe(4)
    expect(slack.requests[0]?.route).toBe('chat.postMessage')
    const errors = result.stderr.trim().split('\n').filter((line) => line.startsWith('Error:'))
    expect(errors).toEqual([expect.stringContaining('Cannot reach PostgreSQL')])
    expect(result.stdout + result.stderr).not.toContain('load-secret-pw')
  })

  it('fails with exit 6 under --strict-notify when Slack refuses the token', async () => {
    const result = await runCli(['run', '--demo', '--out', slackOut, '--notify', 'always', '--strict-notify'], {
      SLACK_ACCESS_TOKEN: 'xoxb-revoked-token-000000',
      SLACK_DEFAULT_CHANNEL: 'C0USAGE001',
      SLACK_API_URL: slack.apiUrl,
    })
    expect(result.code).toBe(6)
    expect(result.stderr.trim().split('\n').filter((line) => line.startsWith('Error:'))).toHaveLength(1)
  })
})

describe('cci-usage run: bad input', () => {
  it('exits 2 with one line naming the flag, before any request', async () => {
    const result = await runCli(['run', '--demo', '--days', '3', '--start', '2024-01-01'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/--days/)
    expect(result.stderr).not.toMatch(/^\s+at /m)
  })

  it('refuses --notify never with a --notify-if-* threshold (the threshold used to win and post)', async () => {
    const result = await runCli(['run', '--demo', '--notify', 'never', '--notify-if-anomaly', '--notify-if-change-over', '5', '--out', join(out, 'never-written-notify')])
    expect(result.code).toBe(2)
    expect(result.stderr.trim()).toBe('Error: --notify never contradicts --notify-if-change-over, --notify-if-anomaly: drop --notify never to post when the threshold holds, or drop the threshold.')
    expect(existsSync(join(out, 'never-written-notify'))).toBe(false)
  })

  it('refuses a --credit-price the --load-to FOCUS rows cannot hold before exporting anything (it used to fail after the report)', async () => {
    const folder = join(out, 'never-written-focus-price')
    const result = await runCli(['run', '--demo', '--out', folder, '--load-to', `focus:${join(out, 'never-written-focus')}`, '--credit-price', '0.00000000001'])
    expect(result.code).toBe(2)
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^Error: --credit-price 0\.00000000001 cannot be a FOCUS unit price exactly/)])
    expect(existsSync(folder)).toBe(false)
  })

  it('refuses a missing teams file before exporting anything', async () => {
    const result = await runCli(['run', '--demo', '--teams', '/nonexistent/teams.yml', '--out', join(out, 'never-written-teams')])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/Teams file \/nonexistent\/teams.yml/)
    expect(result.stderr).not.toMatch(/export job/)
    expect(existsSync(join(out, 'never-written-teams'))).toBe(false)
  })

  it('exits 2 naming the path when --out cannot be written', async () => {
    const file = join(out, 'a-file')
    await writeFile(file, 'not a folder')
    const result = await runCli(['run', '--demo', '--out', join(file, 'report')])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`cannot write ${file}`)
    expect(result.stderr).toMatch(/choose a writable folder with --out/)
    expect(result.stderr).not.toMatch(/^\s+at /m)
  })

  it('exits 3 without a token and says how to fix it', async () => {
    const result = await runCli(['run', '--org-id', 'abc'], {})
    expect(result.code).toBe(3)
    expect(result.stderr).toMatch(/CIRCLECI_API_TOKEN/)
  })
})
