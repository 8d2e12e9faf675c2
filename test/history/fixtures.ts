/** A Summary's history fields for renderer tests: a trend, a forecast, budgets and anomalies, with given names. */
import {OTHER_KEY, type Summary} from '../../src/analysis/summary.js'

export function withHistory(summary: Summary, names: string[], options: {allOk?: boolean; partialWeek?: boolean} = {}): Summary {
  const starts = ['2024-10-21', '2024-10-28', '2024-11-04', '2024-11-11']
  const weeks = starts.map((start, index) => ({
    start,
    end: starts[index + 1] ?? '2024-11-18',
    credits: 100_000 + index * 10_000,
    jobs: 900 + index,
    failedCredits: 2_000,
    complete: !(options.partialWeek && index === starts.length - 1),
  }))
  const keys = [...names.slice(0, 9), OTHER_KEY]
  const points = weeks.flatMap((week) => keys.map((key, index) => ({week: week.start, key, credits: index === keys.length - 1 ? week.credits - (keys.length - 1) * 1_000 : 1_000})))
  return {
    ...summary,
    trend: {weeks, split: {by: 'project', points}},
    forecast: {period: '2024-11', actualToDate: 300_000, daysElapsed: 17, daysInPeriod: 30, projected: 530_000.5, low: 510_000, high: 560_000, method: 'blend; 80% interval from 40 backtests on this history'},
    budgets: [
      {scope: 'project', name: names[0], period: 'week', limit: 100_000, unit: 'credits', actual: 60_000, projected: options.allOk ? 70_000 : 125_000, pctOfLimit: options.allOk ? 70 : 125, status: options.allOk ? 'ok' : 'over'},
      {scope: 'org', name: names[1] ?? 'acme', period: 'month', limit: 600, unit: 'usd', actual: 180, projected: options.allOk ? 300 : 560, pctOfLimit: options.allOk ? 50 : 93.3, status: options.allOk ? 'ok' : 'high'},
      {scope: 'team', name: 'platform', period: 'month', limit: 1_000_000, unit: 'credits', actual: 10, projected: 20, pctOfLimit: 0, status: 'ok'},
    ],
    anomalies: [{day: '2024-11-14', scope: 'project', name: names[2] ?? names[0], credits: 82_000, baseline: 2_000, ratio: 41}],
  }
}
