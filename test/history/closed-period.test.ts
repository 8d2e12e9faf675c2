/**
 * A period with nothing left to project reads its exact spend: the month's forecast and a budget of a closed
 * period equal what was spent to the micro-credit, and the interval never reads below it. Rounding the whole
 * projection to the hundredth of a credit turned a November that spent 3,000.001 credits into a projection of
 * 3,000 (with its low below the spend), and a closed week's budget of 1,675.123 credits into 1,675.12.
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {generateReport} from '../../src/report/index.js'
import {historyLines} from '../../src/report/history-lines.js'
import {renderReportHtml} from '../../src/html/report.js'
import {buildSlackMessage} from '../../src/slack/payload.js'
import {evaluateBudget, parseBudgets, type Budget} from '../../src/history/budgets.js'
import {dayFromNumber, dayNumber} from '../../src/history/days.js'
import {exportCsv, job, tempDir, writeFixture} from '../report/fixtures.js'

describe('a period with nothing left to project', () => {
  it('gives the month its exact spend as the forecast, interval and month budget', async () => {
    const dir = tempDir()
    // 100 credits a day over November 2024, one day 100.001.
    const days = Array.from({length: 30}, (_, index) => dayFromNumber(dayNumber('2024-11-01') + index))
    const rows = days.map((day, index) => {
      const credits = index === 9 ? 100.001 : 100
      return job({JOB_RUN_DATE: day, TOTAL_CREDITS: credits, COMPUTE_CREDITS: credits})
    })
    const input = writeFixture(dir, 'usage.csv', exportCsv(rows))
    const budgets = parseBudgets('b.yml', 'budgets:\n  - {scope: org, name: acme, period: month, credits: 5000}\n', {creditPrice: null, hasTeams: false})
    const {summary} = await generateReport(
      {
        inputs: [input],
        outDir: join(dir, 'out'),
        filters: {since: '2024-11-24', until: '2024-11-30'},
        history: {
          dir: join(dir, 'history'),
          trendWeeks: 2,
          budgets,
          // Through 12-01: a day is final only once the export holds the next one (a job queued late on 11-30 may start on 12-01).
          update: {organizations: ['org-1'], windows: [{start: '2024-11-01T00:00:00.000Z', end: '2024-12-02T00:00:00.000Z'}]},
        },
      },
      {clock: () => new Date('2024-12-05T06:00:00Z'), log: () => undefined},
    )
    expect(summary.forecast).toMatchObject({period: '2024-11', actualToDate: 3000.001, daysElapsed: 30, daysInPeriod: 30, projected: 3000.001, low: 3000.001, high: 3000.001})
    expect(summary.budgets![0]).toMatchObject({actual: 3000.001, projected: 3000.001})
    // So the month reads as ended, not as a forecast with an interval of one figure.
    expect(historyLines(summary)).toContain('Month 2024-11 ended at 3,000 credits (all 30 days)')
    expect(summary.forecast!.daysNotFinal).toBe(0)
    expect(historyLines(summary).join('\n')).not.toContain('not final')
  })

  it('says how many days of an ended month are not final yet when it is read before their late jobs landed', async () => {
    const dir = tempDir()
    const days = Array.from({length: 30}, (_, index) => dayFromNumber(dayNumber('2024-11-01') + index))
    const input = writeFixture(dir, 'usage.csv', exportCsv(days.map((day) => job({JOB_RUN_DATE: day, TOTAL_CREDITS: 100, COMPUTE_CREDITS: 100}))))
    const run = (at: string) =>
      generateReport(
        {
          inputs: [input],
          outDir: join(dir, `out-${at}`),
          filters: {since: '2024-11-24', until: '2024-11-30'},
          history: {
            dir: join(dir, `history-${at}`),
            trendWeeks: 2,
            budgets: null,
            update: {organizations: ['org-1'], windows: [{start: '2024-11-01T00:00:00.000Z', end: '2024-12-01T00:00:00.000Z'}]},
          },
        },
        {clock: () => new Date(at), log: () => undefined},
      )
    // Monday 2024-12-02, the weekly run's day: the month's last two days ended less than 48 hours before the export.
    const {summary} = await run('2024-12-02T01:00:00Z')
    const notFinal = Object.entries(JSON.parse(readFileSync(join(dir, 'history-2024-12-02T01:00:00Z', 'history.json'), 'utf8')).days as Record<string, {final: boolean}>)
      .filter(([day, entry]) => day.startsWith('2024-11') && !entry.final).length
    expect(notFinal).toBeGreaterThan(0)
    expect(summary.forecast).toMatchObject({period: '2024-11', actualToDate: 3000, daysElapsed: 30, daysInPeriod: 30, projected: 3000, daysNotFinal: notFinal})
    expect(historyLines(summary)).toContain(`Month 2024-11 ended at 3,000 credits (all 30 days, ${notFinal} not final yet)`)
    expect(renderReportHtml(summary, [])).toContain(`ended: all 30 days held, ${notFinal} not final yet`)
    expect(buildSlackMessage(summary, {}).text).toContain(`2024-11 ended at 3,000 credits (all 30 days, ${notFinal} not final yet)`)
  })

  it('gives a closed week its exact spend as the budget projection, in credits', () => {
    const series = new Map(Array.from({length: 35}, (_, index) => [dayFromNumber(dayNumber('2024-10-14') + index), 100]))
    const budget: Budget = {scope: 'project', name: 'api', period: 'week', limit: 2000, unit: 'credits', line: 1}
    expect(evaluateBudget(budget, series, 1_675_123_000n, '2024-11-17', null)).toMatchObject({actual: 1675.123, projected: 1675.123})
  })

  it('still rounds what it estimates to the hundredth of a credit, added to the exact spend', () => {
    // Monday to Wednesday spent 300.0001; the four days left cost 100 each.
    const series = new Map(Array.from({length: 59}, (_, index) => [dayFromNumber(dayNumber('2024-09-16') + index), 100]))
    const budget: Budget = {scope: 'project', name: 'api', period: 'week', limit: 800, unit: 'credits', line: 1}
    expect(evaluateBudget(budget, series, 300_000_100n, '2024-11-13', null)).toMatchObject({actual: 300.0001, projected: 700.0001})
  })

  it('keeps the cents of what it estimates: four days at 100.125 are 400.5, not 401', () => {
    const perDay = 100.125
    const series = new Map(Array.from({length: 59}, (_, index) => [dayFromNumber(dayNumber('2024-09-16') + index), perDay]))
    const budget: Budget = {scope: 'project', name: 'api', period: 'week', limit: 800, unit: 'credits', line: 1}
    // Monday to Wednesday spent 300; Thursday to Sunday are projected at the weekday rate.
    const daysLeft = 4
    expect(evaluateBudget(budget, series, 300_000_000n, '2024-11-13', null)).toMatchObject({actual: 300, projected: 300 + daysLeft * perDay})
  })
})
