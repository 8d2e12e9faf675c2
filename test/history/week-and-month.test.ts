/**
 * A report whose last day is a Sunday, on a history that holds the whole month before it: the week (Monday to
 * Sunday UTC) and the month are two periods, each summed over its own days (README "History", "Budgets").
 */
import {join} from 'node:path'

import {generateReport} from '../../src/report/index.js'
import {parseBudgets} from '../../src/history/budgets.js'
import {dayFromNumber, dayNumber} from '../../src/history/days.js'
import {exportCsv, job, tempDir, writeFixture} from '../report/fixtures.js'

describe('a week ending on the report\'s last day, in a month the history holds from its 1st', () => {
  // 2024-11-17 is a Sunday: its ISO week is Monday 11 to Sunday 17.
  const asOf = '2024-11-17'
  const days = Array.from({length: 17}, (_, index) => dayFromNumber(dayNumber('2024-11-01') + index))
  // A different figure each day, so that a period one day off sums to another total.
  const credits = (day: string) => 100 + Number(day.slice(8, 10))
  const rows = days.map((day) => job({JOB_RUN_DATE: day, TOTAL_CREDITS: credits(day), COMPUTE_CREDITS: credits(day)}))
  const inRange = (from: string, through: string) => days.filter((day) => day >= from && day <= through)
  const sum = (from: string, through: string) => inRange(from, through).reduce((total, day) => total + credits(day), 0)

  it('judges a week budget on the week\'s days and a month budget on the month\'s, and counts the week complete', async () => {
    const dir = tempDir()
    const input = writeFixture(dir, 'usage.csv', exportCsv(rows))
    const budgets = parseBudgets(
      'b.yml',
      'budgets:\n  - {scope: org, name: acme, period: week, credits: 100000}\n  - {scope: org, name: acme, period: month, credits: 100000}\n',
      {creditPrice: null, hasTeams: false},
    )
    const {summary} = await generateReport(
      {
        inputs: [input],
        outDir: join(dir, 'out'),
        filters: {since: '2024-11-11', until: asOf},
        history: {
          dir: join(dir, 'history'),
          trendWeeks: 3,
          budgets,
          update: {organizations: ['org-1'], windows: [{start: '2024-11-01T00:00:00.000Z', end: '2024-11-18T00:00:00.000Z'}]},
        },
      },
      {clock: () => new Date('2024-11-25T06:00:00Z'), log: () => undefined},
    )
    const week = sum('2024-11-11', asOf)
    const month = sum('2024-11-01', asOf)
    // The week is over: nothing is left to project.
    expect(summary.budgets!.map((budget) => [budget.period, budget.actual])).toEqual([['week', week], ['month', month]])
    expect(summary.budgets![0].projected).toBe(week)
    expect(summary.forecast).toMatchObject({actualToDate: month, daysElapsed: 17, daysInPeriod: 30})
    // One row (one job) a day.
    expect(summary.trend!.weeks.map((entry) => [entry.start, entry.credits, entry.jobs, entry.complete])).toEqual([
      ['2024-10-28', sum('2024-10-28', '2024-11-03'), inRange('2024-10-28', '2024-11-03').length, false],
      ['2024-11-04', sum('2024-11-04', '2024-11-10'), 7, true],
      ['2024-11-11', week, 7, true],
    ])
  })
})
