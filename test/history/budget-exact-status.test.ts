/**
 * A budget's status is judged on projected / limit x 100 (README "Budgets": warn from 75 %, high from 90 %, over
 * from 100 %), in exact decimals like every dollar figure (src/core/exact-money.ts): a projection landing exactly
 * on a threshold has that status, not the one below because a float product fell a hair short (1,250 credits x
 * 0.0006 / $1 x 100 is 74.99999999999999 in floats).
 */
import {dayFromNumber, dayNumber} from '../../src/history/days.js'
import {evaluateBudget, type Budget} from '../../src/history/budgets.js'

describe('a dollar budget on a threshold', () => {
  // A closed week (the report's last day is its Sunday): nothing left to project, projected = actual.
  const week = Array.from({length: 35}, (_, index) => dayFromNumber(dayNumber('2024-10-14') + index))
  const series = new Map(week.map((day) => [day, 100]))
  const budget: Budget = {scope: 'project', name: 'api', period: 'week', limit: 1, unit: 'usd', line: 1}
  const judge = (credits: bigint, limit: number) => evaluateBudget({...budget, limit}, series, credits * 1_000_000n, '2024-11-17', 0.0006)

  it.each([
    [1250n, 1, 0.75, 75, 'warn'],
    [1500n, 1, 0.9, 90, 'high'],
    [1750n, 1.05, 1.05, 100, 'over'],
    [1490n, 0.894, 0.89, 100, 'over'],
  ] as const)('%s credits at 0.0006 against $%s: $%s, %s %%, %s', (credits, limit, projected, pct, status) => {
    expect(judge(credits, limit)).toMatchObject({projected, pctOfLimit: pct, status})
  })

  it('never reads past a threshold its status has not reached: a micro-credit short of 75 % is ok at 74.9 %, not ok at "75.0 %"', () => {
    expect(evaluateBudget(budget, series, 1_249_999_999n, '2024-11-17', 0.0006)).toMatchObject({status: 'ok', pctOfLimit: 74.9})
    expect(evaluateBudget({...budget, unit: 'credits', limit: 2000}, series, 1_799_999_999n, '2024-11-17', null)).toMatchObject({status: 'warn', pctOfLimit: 89.9})
    expect(evaluateBudget({...budget, unit: 'credits', limit: 2000}, series, 1_999_000_000n, '2024-11-17', null)).toMatchObject({status: 'high', pctOfLimit: 99.9})
    // Away from a threshold the figure is rounded as before: 1,300.9 of 2,000 is 65.045 %.
    expect(evaluateBudget({...budget, unit: 'credits', limit: 2000}, series, 1_300_900_000n, '2024-11-17', null)).toMatchObject({status: 'ok', pctOfLimit: 65})
  })

  it('stays below a threshold by a micro-credit', () => {
    expect(evaluateBudget(budget, series, 1_249_999_999n, '2024-11-17', 0.0006).status).toBe('ok')
    expect(evaluateBudget({...budget, unit: 'credits', limit: 2000}, series, 1_499_999_999n, '2024-11-17', null).status).toBe('ok')
    expect(evaluateBudget({...budget, unit: 'credits', limit: 2000}, series, 1_500_000_000n, '2024-11-17', null).status).toBe('warn')
  })
})
