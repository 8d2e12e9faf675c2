#!/usr/bin/env node
/**
 * Forecast backtest: how far off is the month-end projection made on day 7, 14 and 21 of a month? For every whole
 * month of the simulator's demo history (60 weeks, src/simulator/demo-data.ts), projects the month's credits from
 * the days up to that day with each method of src/history/forecast.ts and compares with what the month spent.
 * Prints the mean absolute percentage error (MAPE) per method and day, and how often the 80 % interval held the
 * month's total. The method with the lowest MAPE overall is forecast.ts's DEFAULT_METHOD. Run `npm run build`
 * first; it reads dist/.
 *
 *   node bench/forecast-backtest.js                 seed 42 (the demo's), "now" 2024-11-20
 *   BACKTEST_SEEDS=42,7,99 node bench/forecast-backtest.js
 */
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const load = (path) => import(pathToFileURL(join(root, 'dist', path)).href)
const {generateDemoData} = await load('simulator/demo-data.js')
const {DEFAULT_METHOD, FORECAST_METHODS, forecastMonth} = await load('history/forecast.js')
const {monthStart, nextMonthStart, shiftDay} = await load('history/days.js')

const seeds = (process.env.BACKTEST_SEEDS ?? '42').split(',').map(Number)
const now = new Date(process.env.BACKTEST_NOW ?? '2024-11-20T00:00:00Z')
const ORIGIN_DAYS = [7, 14, 21]
/** A projection needs this much history before the month (the trend method reads 8 weeks). */
const LOOKBACK_DAYS = 56

function dailyCredits(seed) {
  const data = generateDemoData({seed, now, rowsPerDay: 150})
  const day = data.header.indexOf('JOB_RUN_DATE')
  const total = data.header.indexOf('TOTAL_CREDITS')
  const byDay = new Map()
  for (const row of data.rows) byDay.set(row.values[day], (byDay.get(row.values[day]) ?? 0) + Number(row.values[total]))
  return byDay
}

const results = []
for (const seed of seeds) {
  const byDay = dailyCredits(seed)
  const days = [...byDay.keys()].sort()
  const first = days[0]
  const last = days[days.length - 1]
  for (let month = nextMonthStart(shiftDay(first, LOOKBACK_DAYS)); nextMonthStart(month) <= shiftDay(last, 1); month = nextMonthStart(month)) {
    const end = nextMonthStart(month)
    let truth = 0
    for (const [day, credits] of byDay) if (day >= month && day < end) truth += credits
    for (const originDay of ORIGIN_DAYS) {
      const asOf = shiftDay(month, originDay - 1)
      // Only what was known on that day.
      const known = new Map([...byDay].filter(([day]) => day <= asOf))
      let actual = 0
      for (const [day, credits] of known) if (day >= monthStart(asOf)) actual += credits
      for (const method of FORECAST_METHODS) {
        const forecast = forecastMonth(known, asOf, actual, method)
        results.push({
          seed,
          month: month.slice(0, 7),
          originDay,
          method,
          ape: Math.abs(forecast.projected - truth) / truth,
          inInterval: forecast.low <= truth && truth <= forecast.high,
        })
      }
    }
  }
}

const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length
const pct = (value) => `${(value * 100).toFixed(1)}%`
const months = new Set(results.map((result) => `${result.seed}/${result.month}`)).size
process.stdout.write(`Month-end projections on day ${ORIGIN_DAYS.join(', ')} of ${months} whole months (seeds ${seeds.join(', ')}, now ${now.toISOString().slice(0, 10)})\n\n`)
process.stdout.write(`${'method'.padEnd(18)} ${ORIGIN_DAYS.map((day) => `MAPE day ${day}`.padStart(12)).join(' ')} ${'MAPE all'.padStart(9)} ${'80% held'.padStart(9)}\n`)
const summary = {}
for (const method of FORECAST_METHODS) {
  const mine = results.filter((result) => result.method === method)
  const byDay = ORIGIN_DAYS.map((day) => mean(mine.filter((result) => result.originDay === day).map((result) => result.ape)))
  const all = mean(mine.map((result) => result.ape))
  const coverage = mine.filter((result) => result.inInterval).length / mine.length
  summary[method] = {mapeByDay: Object.fromEntries(ORIGIN_DAYS.map((day, index) => [day, Number((byDay[index] * 100).toFixed(2))])), mape: Number((all * 100).toFixed(2)), coverage80: Number((coverage * 100).toFixed(1))}
  process.stdout.write(`${(method === DEFAULT_METHOD ? `${method} *` : method).padEnd(18)} ${byDay.map((value) => pct(value).padStart(12)).join(' ')} ${pct(all).padStart(9)} ${pct(coverage).padStart(9)}\n`)
}
const best = FORECAST_METHODS.reduce((a, b) => (summary[b].mape < summary[a].mape ? b : a))
process.stdout.write(`\n* DEFAULT_METHOD (src/history/forecast.ts). Lowest MAPE: ${best}.\n`)
process.stdout.write(JSON.stringify({months, seeds, defaultMethod: DEFAULT_METHOD, best, methods: summary}) + '\n')
if (best !== DEFAULT_METHOD) process.exitCode = 1
