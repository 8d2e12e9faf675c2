/**
 * The trend: credits of the last N ISO weeks (Monday 00:00 UTC to the next Monday), oldest first, the week
 * holding the report's last day last. Pure: weekly sums from the history are the input. Sums stay bigint
 * micro-credits until the end, so a complete week's credits are exactly an export's.
 */
import {creditsToNumber} from '../analysis/build.js'
import {OTHER_KEY, type Trend, type TrendSplitPoint} from '../analysis/summary.js'
import {daysOf, isoWeekStart, shiftDay} from './days.js'

/** Credits of one (org, project) in one ISO week (its Monday). */
export interface WeekPoint {
  week: string
  org: string | null
  project: string | null
  credits: bigint
  jobs: number
  failedCredits: bigint
}

export interface TrendInput {
  /** The report's last day: its week is the last one. */
  asOfDay: string
  weeks: number
  points: readonly WeekPoint[]
  /** Days the history holds. */
  held: ReadonlySet<string>
  by: 'project' | 'team'
  /** The split key of an (org, project): the project's key, or its team. */
  keyOf: (org: string | null, project: string | null) => string
  top: number
}

export function trendWeekStarts(asOfDay: string, weeks: number): string[] {
  const last = isoWeekStart(asOfDay)
  return Array.from({length: weeks}, (_, index) => shiftDay(last, -7 * (weeks - 1 - index)))
}

export function buildTrend(input: TrendInput): Trend {
  const starts = trendWeekStarts(input.asOfDay, input.weeks)
  const totals = new Map(starts.map((start) => [start, {credits: 0n, jobs: 0, failedCredits: 0n}]))
  const byKey = new Map<string, Map<string, bigint>>()
  const keyTotals = new Map<string, bigint>()
  for (const point of input.points) {
    const total = totals.get(point.week)
    if (!total) continue
    total.credits += point.credits
    total.jobs += point.jobs
    total.failedCredits += point.failedCredits
    const key = input.keyOf(point.org, point.project)
    const weeks = byKey.get(key) ?? new Map<string, bigint>()
    weeks.set(point.week, (weeks.get(point.week) ?? 0n) + point.credits)
    byKey.set(key, weeks)
    keyTotals.set(key, (keyTotals.get(key) ?? 0n) + point.credits)
  }
  const ranked = [...keyTotals].sort(([a, x], [b, y]) => (x !== y ? (y > x ? 1 : -1) : a < b ? -1 : a > b ? 1 : 0)).map(([key]) => key)
  const shown = ranked.slice(0, Math.max(1, input.top))
  const rest = ranked.slice(shown.length)
  const points: TrendSplitPoint[] = []
  for (const week of starts) {
    for (const key of shown) points.push({week, key, credits: creditsToNumber(byKey.get(key)?.get(week) ?? 0n)})
    if (rest.length > 0) {
      const other = rest.reduce((sum, key) => sum + (byKey.get(key)?.get(week) ?? 0n), 0n)
      points.push({week, key: OTHER_KEY, credits: creditsToNumber(other)})
    }
  }
  const lastDay = shiftDay(input.asOfDay, 1)
  return {
    weeks: starts.map((start) => {
      const end = shiftDay(start, 7)
      const total = totals.get(start)!
      const complete = end <= lastDay && daysOf({start, end}).every((day) => input.held.has(day))
      return {start, end, credits: creditsToNumber(total.credits), jobs: total.jobs, failedCredits: creditsToNumber(total.failedCredits), complete}
    }),
    split: {by: input.by, points},
  }
}
