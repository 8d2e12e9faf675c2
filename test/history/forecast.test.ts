import {spawnSync} from 'node:child_process'

import {dayFromNumber, dayNumber, isoWeekday} from '../../src/history/days.js'
import {DEFAULT_METHOD, FORECAST_METHODS, forecastMonth, projectDays, quantile} from '../../src/history/forecast.js'
import {isBuilt} from '../helpers/cli.js'
import {REPO_ROOT} from '../helpers/repo.js'
import {ordinaryUsage} from './generated.js'

function series(first: string, days: number, value: (day: string, index: number) => number): Map<string, number> {
  return new Map(Array.from({length: days}, (_, index) => {
    const day = dayFromNumber(dayNumber(first) + index)
    return [day, value(day, index)]
  }))
}

const weekdayShape = (day: string) => (isoWeekday(day) >= 5 ? 20 : 100)

describe('forecastMonth', () => {
  it('projects a steady weekday rhythm exactly, with no spread', () => {
    const data = series('2024-09-02', 80, weekdayShape)
    const asOf = '2024-11-14'
    const actual = [...data].filter(([day]) => day >= '2024-11-01' && day <= asOf).reduce((sum, [, v]) => sum + v, 0)
    const expected = actual + Array.from({length: 16}, (_, index) => weekdayShape(dayFromNumber(dayNumber('2024-11-15') + index))).reduce((a, b) => a + b, 0)
    for (const method of FORECAST_METHODS) {
      const forecast = forecastMonth(data, asOf, actual, method)
      expect(forecast.period).toBe('2024-11')
      expect(forecast.daysElapsed).toBe(14)
      expect(forecast.daysInPeriod).toBe(30)
      expect(forecast.projected).toBeCloseTo(expected, 6)
      expect(forecast.low).toBeCloseTo(expected, 6)
      expect(forecast.high).toBeCloseTo(expected, 6)
    }
  })

  it('follows growth with the trend method, where the run rate lags', () => {
    const data = series('2024-08-01', 105, (day, index) => weekdayShape(day) * (1 + index / 50))
    const origin = '2024-10-20'
    const days = Array.from({length: 10}, (_, index) => dayFromNumber(dayNumber(origin) + 1 + index))
    const truth = days.map((day) => data.get(day) ?? weekdayShape(day) * (1 + (dayNumber(day) - dayNumber('2024-08-01')) / 50))
    const error = (method: (typeof FORECAST_METHODS)[number]) =>
      Math.abs(projectDays(data, origin, days, method).reduce((a, b) => a + b, 0) - truth.reduce((a, b) => a + b, 0))
    expect(error('recent-trend')).toBeLessThan(error('weekday-run-rate') / 5)
  })

  it('keeps low <= projected <= high, low never below what was spent, and is deterministic', () => {
    for (const seed of [1, 2, 3, 4]) {
      const usage = ordinaryUsage({seed, first: '2024-05-01', days: 140})
      for (const asOf of ['2024-09-03', '2024-09-10', '2024-09-17', '2024-09-29']) {
        const actual = [...usage.total].filter(([day]) => day >= '2024-09-01' && day <= asOf).reduce((sum, [, v]) => sum + v, 0)
        const forecast = forecastMonth(usage.total, asOf, actual)
        expect(forecast.low).toBeLessThanOrEqual(forecast.projected)
        expect(forecast.projected).toBeLessThanOrEqual(forecast.high)
        expect(forecast.low).toBeGreaterThanOrEqual(actual)
        expect(forecast.high).toBeGreaterThan(forecast.low)
        expect(forecast.method).toContain(DEFAULT_METHOD)
        expect(forecast.method).toMatch(/80% interval from \d+ backtests/)
        expect(forecastMonth(usage.total, asOf, actual)).toEqual(forecast)
      }
    }
  })

  it('equals what was spent once the month is over', () => {
    const usage = ordinaryUsage({seed: 5, first: '2024-05-01', days: 140})
    const forecast = forecastMonth(usage.total, '2024-08-31', 123)
    expect(forecast).toMatchObject({projected: 123, low: 123, high: 123, daysElapsed: 31, daysInPeriod: 31})
  })

  it('projects the days the history lacks instead of counting them as zero', () => {
    const data = series('2024-09-02', 80, weekdayShape)
    const gappy = new Map([...data].filter(([day]) => day !== '2024-11-05' && day !== '2024-11-06'))
    const actual = [...gappy].filter(([day]) => day >= '2024-11-01' && day <= '2024-11-14').reduce((sum, [, v]) => sum + v, 0)
    const full = forecastMonth(data, '2024-11-14', actual + 200, 'weekday-run-rate')
    const holes = forecastMonth(gappy, '2024-11-14', actual, 'weekday-run-rate')
    expect(holes.projected).toBeCloseTo(full.projected, 6)
  })

  it('falls back to the daily spread when the history is too short to backtest', () => {
    const data = series('2024-11-01', 10, (day, index) => weekdayShape(day) + (index % 3) * 7)
    const forecast = forecastMonth(data, '2024-11-10', 700)
    expect(forecast.method).toMatch(/daily spread/)
    expect(forecast.low).toBeLessThan(forecast.high)
  })
})

describe('quantile', () => {
  it('interpolates between sorted values', () => {
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3)
    expect(quantile([0, 10], 0.1)).toBeCloseTo(1)
    expect(quantile([7], 0.9)).toBe(7)
  })
})

describe('the method used', () => {
  it('is the one with the lowest error in the backtest on the simulator\'s months (bench/forecast-backtest.js)', () => {
    if (!isBuilt('run')) throw new Error('dist/ is not built: run `npm run build` first')
    // The seven seeds the README quotes: 77 whole months, 231 projections per method.
    const result = spawnSync(process.execPath, ['bench/forecast-backtest.js'], {cwd: REPO_ROOT, encoding: 'utf8', env: {...process.env, BACKTEST_SEEDS: '42,7,99,1,2,3,4'}})
    expect(result.status).toBe(0)
    const backtest = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as {months: number; best: string; methods: Record<string, {mape: number; coverage80: number}>}
    expect(backtest.months).toBeGreaterThanOrEqual(70)
    expect(backtest.best).toBe(DEFAULT_METHOD)
    expect(backtest.methods[DEFAULT_METHOD].mape).toBeLessThan(10)
    // What the interval claims: it holds the month's total in at least 80 % of the projections.
    expect(backtest.methods[DEFAULT_METHOD].coverage80).toBeGreaterThanOrEqual(80)
  }, 60_000)
})

describe('the weekday run rate (README "Forecast")', () => {
  /** The mean of `values`. */
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length

  it('is the mean of the same weekday over the 28 days up to the origin, not a day more', () => {
    const origin = '2024-11-14'
    // Every day 100, but the day 28 days before the origin (its weekday, a fifth week back) 10,000.
    const data = series('2024-09-02', 80, (day) => (day === dayFromNumber(dayNumber(origin) - 28) ? 10_000 : 100))
    const projected = '2024-11-21'
    const sameWeekday = [...data].filter(([day]) => dayNumber(day) > dayNumber(origin) - 28 && day <= origin && isoWeekday(day) === isoWeekday(projected))
    expect(sameWeekday).toHaveLength(4)
    expect(projectDays(data, origin, [projected], 'weekday-run-rate')).toEqual([mean(sameWeekday.map(([, value]) => value))])
  })

  it('projects a weekday the 28 days hold none of at the mean of the days they hold', () => {
    const origin = '2024-11-14'
    const data = series('2024-10-01', 45, (day) => 10 * (isoWeekday(day) + 1))
    const withoutMondays = new Map([...data].filter(([day]) => isoWeekday(day) !== 0))
    const held = [...withoutMondays].filter(([day]) => dayNumber(day) > dayNumber(origin) - 28 && day <= origin).map(([, value]) => value)
    const monday = '2024-11-18'
    expect(isoWeekday(monday)).toBe(0)
    expect(projectDays(withoutMondays, origin, [monday], 'weekday-run-rate')[0]).toBeCloseTo(mean(held), 9)
  })
})

describe('the 80 % interval (README "Forecast")', () => {
  const asOf = '2024-03-10'
  // The month's days after asOf: the backtest projects as many from each origin.
  const horizon = dayNumber('2024-04-01') - dayNumber(asOf) - 1
  /** A history from `first` to asOf: the origins are the days 27 or more after `first` whose next `horizon` days are held. */
  const historyFrom = (first: string) => series(first, dayNumber(asOf) - dayNumber(first) + 1, (day, index) => weekdayShape(day) + (index % 5))
  const origins = (first: string) => Math.min(120, dayNumber(asOf) - horizon - (dayNumber(first) + 27) + 1)
  const forecastFrom = (first: string) => {
    const data = historyFrom(first)
    const actual = [...data].filter(([day]) => day >= '2024-03-01').reduce((sum, [, value]) => sum + value, 0)
    return forecastMonth(data, asOf, actual, 'weekday-run-rate')
  }

  it('comes from the backtest with 8 origins, and from the daily spread with 7', () => {
    const eight = dayFromNumber(dayNumber(asOf) - horizon - 27 - 7)
    expect(origins(eight)).toBe(8)
    expect(forecastFrom(eight).method).toContain('80% interval from 8 backtests')
    const seven = dayFromNumber(dayNumber(eight) + 1)
    expect(origins(seven)).toBe(7)
    expect(forecastFrom(seven).method).toContain('80% interval from the daily spread')
  })

  it('uses the latest 120 origins of a long history', () => {
    const first = '2023-01-02'
    expect(dayNumber(asOf) - horizon - (dayNumber(first) + 27) + 1).toBeGreaterThan(120)
    expect(forecastFrom(first).method).toContain('80% interval from 120 backtests')
  })

  it('from the daily spread is the projection +- 1.28 x the RMS difference from the weekday rates x the root of the days projected, never below what was spent', () => {
    const cases = [
      {data: series('2024-11-01', 10, (day, index) => weekdayShape(day) + (index % 3) * 7), asOf: '2024-11-10', clamped: false},
      // One day left, whose rate is small beside the spread: projection - spread would read below the spend.
      {data: series('2024-11-01', 29, (_day, index) => (Math.floor(index / 7) % 2 === 0 ? 0 : 300)), asOf: '2024-11-29', clamped: true},
    ]
    for (const {data, asOf: last, clamped} of cases) {
      const actual = [...data.values()].reduce((a, b) => a + b, 0)
      const forecast = forecastMonth(data, last, actual, 'weekday-run-rate')
      expect(forecast.method).toMatch(/daily spread/)
      // The weekday rates and the spread over the 28 days up to the last day.
      const window = [...data].filter(([day]) => dayNumber(day) > dayNumber(last) - 28)
      const byWeekday = new Map<number, number[]>()
      for (const [day, value] of window) byWeekday.set(isoWeekday(day), [...(byWeekday.get(isoWeekday(day)) ?? []), value])
      const rate = (weekday: number) => byWeekday.get(weekday)!.reduce((a, b) => a + b, 0) / byWeekday.get(weekday)!.length
      const rms = Math.sqrt(window.reduce((sum, [day, value]) => sum + (value - rate(isoWeekday(day))) ** 2, 0) / window.length)
      const projectedDays = 30 - data.size
      const spread = 1.2815515655446004 * rms * Math.sqrt(projectedDays)
      expect(forecast.high).toBeCloseTo(forecast.projected + spread, 6)
      expect(forecast.projected - spread < actual).toBe(clamped)
      expect(forecast.low).toBeCloseTo(Math.max(actual, forecast.projected - spread), 6)
    }
  })
})
