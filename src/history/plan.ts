/**
 * What a run must export for its history, and which exported days it may store. Pure: the stored days, the
 * report window and the clock are arguments.
 *
 * The history is a cache of the Usage API. A day is stored whole or not at all; a day is final once its data
 * can no longer change (it had ended at least 48 hours before the export took its data, and the export also
 * held the next day: a job is dated by the day it was queued, and may start after that midnight). Days that are
 * missing or not final are exported again in the same run as the report window and replace what was stored.
 */
import {coalesceRanges, DAY_MS, firstWholeDayFrom, MAX_LOOKBACK_DAYS, planWindows, type DateRange} from '../export/windows.js'
import {BASELINE_DAYS} from './anomalies.js'
import {dayFromNumber, dayNumber, daysOf, isoWeekStart, minDay, midnightOf, monthStart, runsOf, shiftDay, type DayRange} from './days.js'

/** Data lands late: a day is final once it ended this long before the export's data was taken. */
export const FINAL_AFTER_MS = 48 * 3_600_000

export const DEFAULT_TREND_WEEKS = 12
export const MAX_TREND_WEEKS = 52

export interface StoredDay {
  final: boolean
  /** When the export that stored it took its data (ISO 8601). */
  fetchedAt: string
  /**
   * The end of that export's last window (ISO 8601): no row it held started later. Absent in histories written
   * before it was kept; such a final day is never replaced.
   */
  exportEnd?: string
}

/** The last day of a report window (its end is exclusive): what every history figure is "as of". */
export function asOfDay(window: DayRange): string {
  return shiftDay(window.end, -1)
}

/**
 * The days the analyses read for a report window: the trend's N ISO weeks (the last one holds the window's last
 * day), the month to date (forecast) and the baseline days before the window (anomalies).
 */
export function historyRange(window: DayRange, trendWeeks: number): DayRange {
  const last = asOfDay(window)
  const start = minDay(shiftDay(isoWeekStart(last), -7 * (trendWeeks - 1)), monthStart(last), shiftDay(window.start, -BASELINE_DAYS))
  return {start, end: window.end}
}

/**
 * The first whole UTC day the Usage API still exports at `now` (it keeps 366 days), with an hour to spare: the
 * export checks the range again when it starts, a little later.
 */
export function oldestExportableDay(now: Date): string {
  return firstWholeDayFrom(now.getTime() + 3_600_000 - MAX_LOOKBACK_DAYS * DAY_MS)
}

export interface FetchPlan {
  /** Days of the range the history does not hold. */
  missing: string[]
  /** Days it holds that were not final yet. */
  provisional: string[]
  /** Missing days older than the API keeps: they stay missing (the trend shows those weeks as incomplete). */
  unreachable: string[]
  /**
   * What to export for them: runs of consecutive days, each reaching one day past its last day (so that the day
   * can become final), never past the end of `range`.
   */
  ranges: DayRange[]
}

export function planFetch(stored: Readonly<Record<string, StoredDay>>, range: DayRange, now: Date): FetchPlan {
  const oldest = oldestExportableDay(now)
  const missing: string[] = []
  const provisional: string[] = []
  const unreachable: string[] = []
  for (const day of daysOf(range)) {
    const entry = stored[day]
    if (entry?.final) continue
    if (day < oldest) {
      if (!entry) unreachable.push(day)
      continue
    }
    if (entry) provisional.push(day)
    else missing.push(day)
  }
  const ranges = runsOf([...missing, ...provisional]).map((run) => ({start: run.start, end: minDay(shiftDay(run.end, 1), range.end)}))
  return {missing, provisional, unreachable, ranges}
}

/**
 * Export jobs one run may spend in all: the API allows 10 POSTs an hour, and a retried or re-created job needs
 * one more. A cold start with a long trend (52 weeks is 12 windows) takes what fits now, the most recent days
 * first, and the next runs fetch the rest: the history fills up over a few weeks instead of stalling a run.
 */
export const MAX_EXPORT_JOBS = 8

/**
 * The most recent days of `ranges` that fit, with the report's own `fixed` ranges, in `maxJobs` export windows;
 * the older ones are deferred to the next run.
 */
export function withinJobBudget(fixed: readonly DateRange[], ranges: readonly DayRange[], maxJobs: number = MAX_EXPORT_JOBS): {ranges: DayRange[]; deferred: string[]} {
  const days = [...new Set(ranges.flatMap((range) => daysOf(range)))].sort().reverse()
  const fits = (count: number) => planWindows([...fixed, ...toDateRanges(runsOf(days.slice(0, count)))]).length <= maxJobs
  if (fits(days.length)) return {ranges: [...ranges], deferred: []}
  let low = 0
  let high = days.length
  while (low < high) {
    const middle = Math.ceil((low + high) / 2)
    if (fits(middle)) low = middle
    else high = middle - 1
  }
  return {ranges: runsOf(days.slice(0, low)), deferred: days.slice(low).reverse()}
}

/** Day ranges as the export's instant ranges (UTC midnights). */
export function toDateRanges(ranges: DayRange[]): {start: Date; end: Date}[] {
  return ranges.map((range) => ({start: midnightOf(range.start), end: midnightOf(range.end)}))
}

export interface ExportedWindow {
  /** ISO 8601 instants, as in the export manifest. */
  start: string
  end: string
  /** When its export job was created; absent for jobs of an older manifest. */
  createdAt?: string
}

export interface ExportedDay {
  day: string
  final: boolean
  fetchedAt: string
  /** Where the export's windows, reaching without a break from the day's midnight, end (ISO 8601). */
  coveredUntil: string
  /** The end of the export's last window (ISO 8601). */
  exportEnd: string
}

/**
 * The days an export can stand for: every whole UTC day inside its windows. The data is taken to be as of the
 * earliest job creation (conservative for jobs reused from an earlier run), else `fallback`.
 */
export function exportedDays(windows: readonly ExportedWindow[], fallback: Date): ExportedDay[] {
  const created = windows.map((window) => window.createdAt).filter((at): at is string => at !== undefined).sort()
  const snapshot = created.length === windows.length && created.length > 0 ? new Date(created[0]) : fallback
  const whole = new Set<string>()
  for (const window of windows) {
    const first = Math.ceil(Date.parse(window.start) / DAY_MS)
    const end = Math.floor(Date.parse(window.end) / DAY_MS)
    for (let number = first; number < end; number++) whole.add(dayFromNumber(number))
  }
  const runs = coalesceRanges(windows.map((window) => ({start: new Date(window.start), end: new Date(window.end)})))
  const exportEnd = runs.at(-1)?.end.toISOString() ?? fallback.toISOString()
  return [...whole].sort().map((day) => {
    const ended = (dayNumber(day) + 1) * DAY_MS
    const final = ended + FINAL_AFTER_MS <= snapshot.getTime() && whole.has(shiftDay(day, 1))
    const midnight = dayNumber(day) * DAY_MS
    // A whole day lies inside one window, so some run holds its midnight.
    const run = runs.find((range) => range.start.getTime() <= midnight && range.end.getTime() > midnight)!
    return {day, final, fetchedAt: snapshot.toISOString(), coveredUntil: run.end.toISOString(), exportEnd}
  })
}

/**
 * The exported days the history must take: those it lacks, and those it holds that were not final, unless the
 * history's copy was taken later than this export's (two output folders sharing one history, or a run reusing the
 * morning's export after another took a fresher one): an older snapshot never replaces a newer one.
 *
 * A final day still gains a job that starts days after the day it is dated by (a workflow rerun in an old
 * pipeline, an approval held over a weekend), since the API selects rows by their start. So a final day is also
 * replaced by a later final copy whose windows reach without a break from the day's midnight to the end of the
 * held copy's export or past it: every row the held copy has started inside that export, so the new copy holds
 * them all, and the jobs started since. The weekly run exports the week before its window again for the
 * comparison, so each day gets this second look a week later without another export job.
 */
export function daysToStore(exported: readonly ExportedDay[], stored: Readonly<Record<string, StoredDay>>): ExportedDay[] {
  return exported.filter((entry) => {
    const held = stored[entry.day]
    if (held === undefined) return true
    const heldAt = Date.parse(held.fetchedAt)
    if (!held.final) return !(heldAt > Date.parse(entry.fetchedAt))
    if (held.exportEnd === undefined) return false
    return entry.final && Date.parse(entry.fetchedAt) > heldAt && Date.parse(entry.coveredUntil) >= Date.parse(held.exportEnd)
  })
}
