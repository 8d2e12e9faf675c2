/**
 * `run --month previous` and `export --month` end to end with the built CLI on the simulator: the report window is
 * exactly the last calendar month (what the chargeback file of a calendar month keys on), the comparison is
 * the calendar month before it, and both totals equal the usage.csv rows of those days.
 */
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {Summary} from '../../src/analysis/summary.js'
import {isBuilt, runCli} from '../helpers/cli.js'
import {microCreditsByDay} from '../helpers/credits-by-day.js'

const monthStart = (date: Date, monthsLater: number) => new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + monthsLater, 1)).toISOString()

const sumDays = (byDay: Map<string, bigint>, start: string, end: string) =>
  Number([...byDay].filter(([day]) => day >= start.slice(0, 10) && day < end.slice(0, 10)).reduce((sum, [, credits]) => sum + credits, 0n)) / 1_000_000

let out: string
beforeAll(async () => {
  if (!isBuilt('run')) throw new Error('dist/ is not built: run `npm run build` first')
  out = await mkdtemp(join(tmpdir(), 'cci-usage-month-'))
})
afterAll(async () => {
  if (out) await rm(out, {recursive: true, force: true})
})

describe('cci-usage run --month previous --demo', () => {
  it('reports exactly the last calendar month and compares it with the calendar month before', async () => {
    const before = new Date()
    const result = await runCli(['run', '--demo', '--month', 'previous', '--out', out])
    const after = new Date()
    expect(result.stderr).not.toMatch(/^\s+at /m)
    expect(result.code).toBe(0)
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as Summary
    // The clock may cross into a new month during the run only at midnight on the 1st: either month is right then.
    const expected = [before, after].map((now) => ({start: monthStart(now, -1), end: monthStart(now, 0)}))
    expect(expected).toContainEqual({start: summary.window.start, end: summary.window.end})
    const daysInMonth = new Date(Date.parse(summary.window.end) - 1).getUTCDate()
    expect(summary.window.days).toBe(daysInMonth)

    const previous = summary.comparison!.previousWindow
    expect(previous.end).toBe(summary.window.start)
    expect(previous.start).toBe(monthStart(new Date(summary.window.start), -1))
    expect(previous.days).toBe(new Date(Date.parse(previous.end) - 1).getUTCDate())

    const byDay = microCreditsByDay(await readFile(join(out, 'usage.csv'), 'utf8'))
    expect(summary.totals.credits.total).toBeGreaterThan(0)
    expect(summary.totals.credits.total).toBe(sumDays(byDay, summary.window.start, summary.window.end))
    expect(summary.comparison!.previous.credits).toBe(sumDays(byDay, previous.start, previous.end))
    expect(result.stdout).toContain(`CircleCI usage ${summary.window.start.slice(0, 10)} .. `)
  })

  it("compares each team with the same calendar month as the org, so the teams' previous credits add up to the org's", async () => {
    const teamsOut = join(out, 'teams-run')
    const teamsFile = join(out, 'teams.yml')
    // One team of every project whose name has an "a", the rest unassigned: both kinds of team are checked.
    await writeFile(teamsFile, '- team: with-a\n  projects: ["*a*"]\n')
    const result = await runCli(['run', '--demo', '--month', 'previous', '--teams', teamsFile, '--out', teamsOut])
    expect(result.stderr).not.toMatch(/^\s+at /m)
    expect(result.code).toBe(0)
    const summary = JSON.parse(await readFile(join(teamsOut, 'summary.json'), 'utf8')) as Summary
    const teams = summary.teams!
    expect(teams.length).toBeGreaterThanOrEqual(2)
    const teamSummaries = await Promise.all(teams.map(async (team) => JSON.parse(await readFile(join(teamsOut, team.summary), 'utf8')) as Summary))
    for (const team of teamSummaries) expect(team.comparison!.previousWindow).toEqual(summary.comparison!.previousWindow)
    const micro = (credits: number) => BigInt(Math.round(credits * 1_000_000))
    const teamsPrevious = teamSummaries.reduce((sum, team) => sum + micro(team.comparison!.previous.credits), 0n)
    expect(summary.comparison!.previous.credits).toBeGreaterThan(0)
    expect(teamsPrevious).toBe(micro(summary.comparison!.previous.credits))
  })

  it.each([
    [['--days', '7'], '--days'],
    [['--start', '2026-01-01'], '--start'],
  ])('refuses --month with %j, exit 2 naming the flags', async (extra, flag) => {
    for (const command of ['run', 'export']) {
      const result = await runCli([command, '--demo', '--month', 'previous', ...extra, '--out', join(out, 'never')])
      expect({command, code: result.code}).toEqual({command, code: 2})
      expect(result.stderr).toContain(`--month cannot be combined with ${flag}`)
      expect(result.stderr).not.toMatch(/^\s+at /m)
    }
  })

  it('export --month previous exports exactly the last calendar month', async () => {
    const exportOut = join(out, 'export')
    const now = new Date()
    const result = await runCli(['export', '--demo', '--month', 'previous', '--out', exportOut, '--json'])
    expect(result.code).toBe(0)
    const exported = JSON.parse(result.stdout) as {range: {start: string; end: string}}
    expect([exported.range.start, exported.range.end].map((text) => new Date(text).toISOString())).toEqual([monthStart(now, -1), monthStart(now, 0)])
  })
})
