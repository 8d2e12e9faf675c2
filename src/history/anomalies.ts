/**
 * Days on which a scope (an organization, a team, a project) spent far above its own recent baseline. Pure: the
 * daily series and the days to judge are arguments.
 *
 * Baseline: the median of the scope's credits on the BASELINE_DAYS before the day (days the history holds; a
 * held day without spend counts as 0), its spread the median absolute deviation (MAD), both robust to the
 * outliers being looked for. A day is an anomaly when all of these hold:
 * - the scope has a baseline: at least MIN_BASELINE_DAYS held days, and a median above 0 (a new or occasional
 *   project has none; its spikes still show in its team and organization);
 * - credits >= MIN_RATIO x the baseline;
 * - the excess over the baseline is at least MIN_ROBUST_Z robust standard deviations (1.4826 x MAD);
 * - the excess is at least the floor: MIN_EXCESS_CREDITS, or FLOOR_SHARE of the whole report's median day when
 *   that is more, so that small projects moving by small amounts never alarm.
 */
import {dayFromNumber, dayNumber} from './days.js'
import {round} from '../analysis/build.js'
import {compareText} from '../core/compare-text.js'
import type {Anomaly} from '../analysis/summary.js'
import type {DailySeries} from './forecast.js'

export const BASELINE_DAYS = 28
export const MIN_BASELINE_DAYS = 14
export const MIN_RATIO = 1.5
export const MIN_ROBUST_Z = 6
export const MIN_EXCESS_CREDITS = 1000
export const FLOOR_SHARE = 0.01
/** Scales a MAD to a standard deviation for normally distributed data. */
const MAD_TO_SD = 1.4826

export type AnomalyScope = Anomaly['scope']

export interface ScopeSeries {
  scope: AnomalyScope
  name: string
  /** Credits by day; held days missing from the map spent nothing. */
  values: DailySeries
}

function median(sorted: readonly number[]): number {
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/**
 * The anomalies among `days`, largest excess first. `held` is the set of days the history holds (baselines use
 * only those); `total` is the whole report's credits by day (for the floor).
 */
export function findAnomalies(series: readonly ScopeSeries[], days: readonly string[], held: ReadonlySet<string>, total: DailySeries): Anomaly[] {
  const found: (Anomaly & {excess: number})[] = []
  for (const day of days) {
    if (!held.has(day)) continue
    const baselineDays: string[] = []
    for (let number = dayNumber(day) - BASELINE_DAYS; number < dayNumber(day); number++) {
      const candidate = dayFromNumber(number)
      if (held.has(candidate)) baselineDays.push(candidate)
    }
    if (baselineDays.length < MIN_BASELINE_DAYS) continue
    const totalMedian = median(baselineDays.map((baselineDay) => total.get(baselineDay) ?? 0).sort((a, b) => a - b))
    const floor = Math.max(MIN_EXCESS_CREDITS, FLOOR_SHARE * totalMedian)
    for (const {scope, name, values} of series) {
      const credits = values.get(day) ?? 0
      if (credits < floor) continue
      const sample = baselineDays.map((baselineDay) => values.get(baselineDay) ?? 0).sort((a, b) => a - b)
      const baseline = median(sample)
      if (baseline <= 0) continue
      const mad = median(sample.map((value) => Math.abs(value - baseline)).sort((a, b) => a - b))
      const excess = credits - baseline
      if (credits < MIN_RATIO * baseline || excess < floor || excess < MIN_ROBUST_Z * MAD_TO_SD * mad) continue
      // Six decimals, not two: every medium prints the ratio with one decimal and the baseline in whole credits from
      // 100 up, so rounding here first rounded twice (2.8451 read 2.9x through 2.85).
      found.push({day, scope, name, credits, baseline: round(baseline, 6), ratio: round(credits / baseline, 6), excess})
    }
  }
  return found
    .sort((a, b) => b.excess - a.excess || compareText(a.day, b.day) || compareText(a.scope, b.scope) || compareText(a.name, b.name))
    .map(({excess: _excess, ...anomaly}) => anomaly)
}
