/**
 * The trend's weeks, teams in the trend and in budgets, and rows no day can hold: small exports built by hand, so
 * every expected figure is written next to its rows.
 */
import {join} from 'node:path'

import {OTHER_KEY, type Summary} from '../../src/analysis/summary.js'
import {parseBudgets} from '../../src/history/budgets.js'
import {buildTrend} from '../../src/history/trend.js'
import {readHistory} from '../../src/history/store.js'
import {exportCsv, job, tempDir, writeFixture} from '../report/fixtures.js'
import {reportWeekWithHistory} from './week-report.js'

describe('buildTrend', () => {
  const week = (weekStart: string, project: string, credits: number) => ({week: weekStart, org: 'acme', project, credits: BigInt(credits) * 1_000_000n, jobs: 1, failedCredits: 0n})

  it('gives N ISO weeks oldest first, the week holding the last day last and incomplete mid-week, and a split that adds up', () => {
    const held = new Set(['2024-11-04', '2024-11-05', '2024-11-06', '2024-11-07', '2024-11-08', '2024-11-09', '2024-11-10', '2024-11-11', '2024-11-12', '2024-11-13'])
    const trend = buildTrend({
      asOfDay: '2024-11-13',
      weeks: 3,
      points: [week('2024-11-04', 'api', 10), week('2024-11-04', 'web', 5), week('2024-11-11', 'api', 7), week('2024-11-11', 'docs', 1), week('2024-10-21', 'api', 1000)],
      held,
      by: 'project',
      keyOf: (_org, project) => project ?? '(none)',
      top: 1,
    })
    expect(trend.weeks).toEqual([
      {start: '2024-10-28', end: '2024-11-04', credits: 0, jobs: 0, failedCredits: 0, complete: false},
      {start: '2024-11-04', end: '2024-11-11', credits: 15, jobs: 2, failedCredits: 0, complete: true},
      {start: '2024-11-11', end: '2024-11-18', credits: 8, jobs: 2, failedCredits: 0, complete: false},
    ])
    expect(trend.split.points.filter((point) => point.week === '2024-11-11')).toEqual([
      {week: '2024-11-11', key: 'api', credits: 7},
      {week: '2024-11-11', key: OTHER_KEY, credits: 1},
    ])
  })
})

describe('a history of a small export', () => {
  const dir = tempDir()
  const rows = [
    job({PROJECT_NAME: 'api', JOB_RUN_DATE: '2024-11-11', TOTAL_CREDITS: 100, COMPUTE_CREDITS: 100}),
    job({PROJECT_NAME: 'web', JOB_RUN_DATE: '2024-11-12', TOTAL_CREDITS: 40, COMPUTE_CREDITS: 40}),
    job({PROJECT_NAME: 'docs', JOB_RUN_DATE: '2024-11-13', TOTAL_CREDITS: 7, COMPUTE_CREDITS: 7}),
    // Rows no day can hold.
    job({PROJECT_NAME: 'api', JOB_RUN_DATE: undefined, TOTAL_CREDITS: 3, COMPUTE_CREDITS: 3}),
    job({PROJECT_NAME: 'web', JOB_RUN_DATE: undefined, TOTAL_CREDITS: 2, COMPUTE_CREDITS: 2}),
  ]
  const input = writeFixture(dir, 'usage.csv', exportCsv(rows))
  const teams = writeFixture(dir, 'teams.yml', 'teams:\n  platform: [api, web]\n  writers: [docs]\n')
  const budgets = parseBudgets('b.yml', 'budgets:\n  - {scope: team, name: platform, period: week, credits: 180}\n  - {scope: org, name: acme, period: week, credits: 100}\n  - {scope: project, name: nothing-*, period: month, credits: 5}\n', {creditPrice: null, hasTeams: true})
  const logs: string[] = []

  let summary: Summary
  beforeAll(async () => {
    summary = await reportWeekWithHistory(dir, input, {budgets, organizations: ['org-1'], teamsFile: teams, log: (line) => logs.push(line)})
  })

  it('splits the trend by team with --teams', () => {
    expect(summary.trend!.split.by).toBe('team')
    const lastWeek = summary.trend!.split.points.filter((point) => point.week === '2024-11-11')
    expect(lastWeek).toEqual([
      {week: '2024-11-11', key: 'platform', credits: 140},
      {week: '2024-11-11', key: 'writers', credits: 7},
    ])
  })

  it('judges team budgets on the teams file mapping, org budgets on the whole org, and warns of a budget matching nothing', () => {
    expect(summary.budgets!.map((budget) => [budget.name, budget.actual, budget.status])).toEqual([
      ['platform', 140, 'warn'],
      ['acme', 147, 'over'],
      ['nothing-*', 0, 'ok'],
    ])
    // A warning (stderr and input.warnings), not a progress line: a budget that selects nothing reads 0 and "ok".
    expect((summary.input.warnings ?? []).filter((line) => line.startsWith('Budget '))).toEqual([expect.stringMatching(/^Budget "nothing-\*" \(project, line 4\) matches no project with usage since/)])
  })

  it('counts the rows without a JOB_RUN_DATE in history.json and says so, keeping them out of the days', async () => {
    const manifest = await readHistory(join(dir, 'history'))
    expect(manifest!.lastUpdate).toMatchObject({undatedRows: 2, undatedCredits: 5, daysStored: 7})
    expect(logs.some((line) => /2 rows of the export \(5 credits\) have no JOB_RUN_DATE, so no day can hold them/.test(line))).toBe(true)
    expect(summary.trend!.weeks.at(-1)!.credits).toBe(147)
  })
})
