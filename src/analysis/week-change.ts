import type {Trend, TrendWeek} from './summary.js'

/**
 * The last complete week of a trend against the complete week before it: what the terminal, the HTML history
 * section and the weekly chart's description each state, so they state the same. `pct` is null when the week
 * before spent nothing (every renderer then says so its own way, never as a percentage).
 */
export function lastWeekChange(trend: Trend): {last: TrendWeek; before: TrendWeek | null; pct: number | null} | null {
  const complete = trend.weeks.filter((week) => week.complete)
  const last = complete.at(-1)
  if (!last) return null
  const before = complete.at(-2) ?? null
  // Multiplying before dividing keeps exact ratios exact (115 against 100 is 15, not 15.000000000000002); divided by
  // the size of the week before, so a rise after a week that netted negative (a refund) reads as a rise.
  const pct = before && before.credits !== 0 ? ((last.credits - before.credits) * 100) / Math.abs(before.credits) : null
  return {last, before, pct}
}
