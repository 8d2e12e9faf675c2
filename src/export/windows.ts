import {BadInputError} from '../core/errors.js'

/** Half-open UTC interval [start, end). */
export interface DateRange {
  start: Date
  end: Date
}

export const DAY_MS = 24 * 60 * 60 * 1000
/** The Usage API refuses a span over 31 days and a start more than 366 days back. */
export const MAX_WINDOW_DAYS = 31
export const MAX_LOOKBACK_DAYS = 366
export const DEFAULT_DAYS = 7

export interface RangeFlags {
  start?: string
  end?: string
  days?: number
  /** --month: a calendar month instead of --days/--start/--end. */
  month?: string
}

export const MONTH_WINDOWS = ['previous', 'current'] as const
export type MonthWindow = (typeof MONTH_WINDOWS)[number]

/** Names of the flags a range came from, so that validation errors point at what the user typed. */
export interface RangeFlagNames {
  start: string
  end: string
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/
// A date-time must carry its zone: the API works in UTC and a local time would silently shift the window.
const DATE_TIME_WITH_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i
const DATE_TIME_NO_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?$/

export function startOfUtcDay(date: Date): Date {
  return new Date(Math.floor(date.getTime() / DAY_MS) * DAY_MS)
}

/** `YYYY-MM-DD` of a UTC instant. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10)
}

/** The first UTC day that begins at `instantMs` or later (YYYY-MM-DD): the first whole day from that instant. */
export function firstWholeDayFrom(instantMs: number): string {
  return utcDay(new Date(Math.ceil(instantMs / DAY_MS) * DAY_MS))
}

/** RFC 3339 in UTC, without milliseconds when they are zero (what the API documents). */
export function formatInstant(date: Date): string {
  const iso = date.toISOString()
  return iso.endsWith('.000Z') ? iso.slice(0, -5) + 'Z' : iso
}

function parseCalendarDate(value: string, flag: string): Date {
  const date = new Date(`${value}T00:00:00Z`)
  // Date accepts 2024-02-30 by rolling over; a round trip catches it.
  if (Number.isNaN(date.getTime()) || utcDay(date) !== value) {
    throw new BadInputError('E_BAD_DATE', `${flag} ${value} is not a valid date; use YYYY-MM-DD, a real calendar day.`)
  }
  return date
}

/**
 * Parses one --start/--end value. A date-only end means "through the end of that day", so it becomes the next
 * midnight (the range is half-open).
 */
export function parseRangeBound(value: string, flag: string, role: 'start' | 'end'): Date {
  const text = value.trim()
  if (DATE_ONLY.test(text)) {
    const day = parseCalendarDate(text, flag)
    return role === 'end' ? new Date(day.getTime() + DAY_MS) : day
  }
  if (DATE_TIME_NO_ZONE.test(text)) {
    throw new BadInputError(
      'E_BAD_DATE',
      `${flag} ${value} has no time zone; add one (e.g. ${text}Z for UTC) or give a date YYYY-MM-DD.`,
    )
  }
  if (DATE_TIME_WITH_ZONE.test(text)) {
    const normalized = text.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2')
    const date = new Date(normalized)
    if (!Number.isNaN(date.getTime())) {
      parseCalendarDate(text.slice(0, 10), flag)
      return date
    }
  }
  throw new BadInputError(
    'E_BAD_DATE',
    `${flag} ${value} is not a date; use YYYY-MM-DD or ISO 8601 with a zone (YYYY-MM-DDThh:mm:ssZ).`,
  )
}

/**
 * Turns --start/--end/--days into a validated range. Default: the last 7 full UTC days. An end in the future is
 * capped to `now` (the API refuses future dates).
 */
export function resolveRange(flags: RangeFlags, now: Date): DateRange {
  if (flags.month !== undefined) {
    const others = (['days', 'start', 'end'] as const).filter((flag) => flags[flag] !== undefined).map((flag) => `--${flag}`)
    if (others.length > 0) {
      throw new BadInputError('E_BAD_FLAG', `--month cannot be combined with ${others.join(', ')}: give either a calendar month or --days/--start/--end.`)
    }
    return monthRange(flags.month, now)
  }
  const hasStartOrEnd = flags.start !== undefined || flags.end !== undefined
  if (flags.days !== undefined && hasStartOrEnd) {
    throw new BadInputError('E_BAD_FLAG', '--days cannot be combined with --start/--end; use one or the other.')
  }
  const today = startOfUtcDay(now)
  if (!hasStartOrEnd) {
    const days = flags.days ?? DEFAULT_DAYS
    if (!Number.isInteger(days) || days < 1) {
      throw new BadInputError('E_BAD_FLAG', `--days ${days} must be a whole number of days, at least 1.`)
    }
    // Whole days back from today's midnight must still start within 366 days of now.
    const maxDays = Math.floor((today.getTime() - (now.getTime() - MAX_LOOKBACK_DAYS * DAY_MS)) / DAY_MS)
    if (days > maxDays) {
      // A huge --days (oclif reads 99999999999999999999 as 1e20) reaches past what a Date can hold, or before year 1:
      // no day to name then.
      const reached = new Date(today.getTime() - days * DAY_MS)
      const reach = Number.isNaN(reached.getTime()) || reached.getUTCFullYear() < 1 ? 'back' : `back to ${utcDay(reached)},`
      throw new BadInputError(
        'E_RANGE_TOO_OLD',
        `--days ${days} reaches ${reach} more than ${MAX_LOOKBACK_DAYS} days ago (the Usage API's limit); use --days ${maxDays} or less.`,
      )
    }
    const range = {start: new Date(today.getTime() - days * DAY_MS), end: today}
    validateRange(range, now, {start: '--days', end: '--days'})
    return range
  }
  let end = flags.end === undefined ? now : parseRangeBound(flags.end, '--end', 'end')
  const start =
    flags.start === undefined
      ? new Date(startOfUtcDay(end).getTime() - DEFAULT_DAYS * DAY_MS)
      : parseRangeBound(flags.start, '--start', 'start')
  const typedEnd = end
  if (end.getTime() > now.getTime()) end = capToNow(now)
  const range = {start, end}
  checkTypedRange(flags, range, typedEnd, now)
  validateRange(range, now)
  return range
}

/** A bound as the user typed it, with the instant it stands for when that is not what was typed. */
function shownBound(text: string, instant: Date, role: 'start' | 'end'): string {
  const typed = text.trim()
  if (DATE_ONLY.test(typed)) return role === 'end' ? `${typed} (through the end of that day)` : typed
  return formatInstant(instant) === typed ? typed : `${typed} (${formatInstant(instant)})`
}

/**
 * validateRange names the instants the range resolved to and the --start a lone --end implies: a date-only --end
 * is the next midnight, so "--end 2026-11-01" before "--start 2026-11-02" read "--end 2026-11-02T00:00:00Z is not
 * after --start 2026-11-02T00:00:00Z", and a lone --end in the future was told of a --start never given. These
 * cases are said in the flags' own words instead; the codes stay those validateRange gives.
 */
function checkTypedRange(flags: RangeFlags, range: DateRange, typedEnd: Date, now: Date): void {
  const {start, end} = range
  if (flags.start === undefined && flags.end !== undefined) {
    const days = `--end ${shownBound(flags.end, typedEnd, 'end')} alone stands for the ${DEFAULT_DAYS} days ${utcDay(start)} .. ${utcDay(new Date(typedEnd.getTime() - 1))}`
    if (start.getTime() > now.getTime()) {
      throw new BadInputError('E_RANGE_FUTURE', `${days}, all in the future; give an --end of today (${utcDay(now)}) or earlier, or a --start as well.`)
    }
    const oldest = now.getTime() - MAX_LOOKBACK_DAYS * DAY_MS
    if (start.getTime() < oldest) {
      throw new BadInputError(
        'E_RANGE_TOO_OLD',
        `${days}, which start more than ${MAX_LOOKBACK_DAYS} days ago (the Usage API's limit); give --start ${firstWholeDayFrom(oldest)} or later with it.`,
      )
    }
    return
  }
  if (flags.start === undefined || start.getTime() > now.getTime() || end.getTime() > start.getTime()) return
  const startText = `--start ${shownBound(flags.start, start, 'start')}`
  if (flags.end === undefined) {
    throw new BadInputError('E_RANGE_EMPTY', `${startText} is now: without --end the range runs to now (${formatInstant(end)}), so it is empty; give an earlier --start.`)
  }
  const endText = `--end ${shownBound(flags.end, typedEnd, 'end')}`
  if (typedEnd.getTime() > now.getTime()) {
    throw new BadInputError(
      'E_RANGE_EMPTY',
      `${startText} leaves nothing before now (${formatInstant(end)}), where the future ${endText} is capped; give an earlier --start.`,
    )
  }
  if (DATE_ONLY.test(flags.start.trim()) && DATE_ONLY.test(flags.end.trim())) {
    throw new BadInputError('E_RANGE_EMPTY', `--end ${flags.end.trim()} is before --start ${flags.start.trim()}: swap them (both days are included).`)
  }
  throw new BadInputError('E_RANGE_EMPTY', `${endText} is not after ${startText}; give an end later than the start.`)
}

// Whole seconds: the request is sent a moment after `now`, so the capped end is never ahead of the API's clock.
function capToNow(now: Date): Date {
  return new Date(Math.floor(now.getTime() / 1000) * 1000)
}

/** Refuses a range the API would refuse (in a way the CLI cannot fix by splitting it). */
export function validateRange(
  range: DateRange,
  now: Date,
  flags: RangeFlagNames = {start: '--start', end: '--end'},
): void {
  const {start, end} = range
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) {
    throw new BadInputError('E_BAD_DATE', `${flags.start}/${flags.end} do not form a valid date range.`)
  }
  if (start.getTime() > now.getTime()) {
    throw new BadInputError(
      'E_RANGE_FUTURE',
      `${flags.start} ${formatInstant(start)} is in the future; usage can only be exported for the past.`,
    )
  }
  if (end.getTime() <= start.getTime()) {
    throw new BadInputError(
      'E_RANGE_EMPTY',
      `${flags.end} ${formatInstant(end)} is not after ${flags.start} ${formatInstant(start)}; give an end later than the start.`,
    )
  }
  const oldest = now.getTime() - MAX_LOOKBACK_DAYS * DAY_MS
  if (start.getTime() < oldest) {
    // Most starts are days (YYYY-MM-DD, midnight): name the first whole day the API still exports, as well as the
    // exact instant, so the fix can be typed as it was given.
    const firstDay = firstWholeDayFrom(oldest)
    throw new BadInputError(
      'E_RANGE_TOO_OLD',
      `${flags.start} ${formatInstant(start)} is more than ${MAX_LOOKBACK_DAYS} days ago; the Usage API keeps ${MAX_LOOKBACK_DAYS} days: give ${flags.start} ${firstDay} or later (or an instant from ${formatInstant(new Date(oldest))}).`,
    )
  }
}

/**
 * Splits a range into consecutive, non-overlapping windows of at most `maxDays` days. Inner boundaries fall on
 * UTC midnight so that each boundary is a single calendar day (which keeps de-duplication cheap).
 */
export function splitWindows(range: DateRange, maxDays: number = MAX_WINDOW_DAYS): DateRange[] {
  return planWindows([range], maxDays)
}

/**
 * The calendar days on which a row may appear in two adjacent windows: the API selects by job run time with
 * inclusive bounds, and a row's JOB_RUN_DATE is within a day of its run start.
 */
export function boundaryDays(windows: DateRange[]): string[] {
  const days = new Set<string>()
  for (const window of windows.slice(1)) {
    const boundary = startOfUtcDay(window.start).getTime()
    for (const offset of [-1, 0, 1]) days.add(utcDay(new Date(boundary + offset * DAY_MS)))
  }
  return [...days].sort()
}

function startOfUtcMonth(date: Date, monthsLater = 0): Date {
  // Date.UTC rolls month -1 over into December of the year before, and 12 into January of the next.
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + monthsLater, 1))
}

/**
 * --month as a half-open UTC range. `previous`: the last full calendar month, [1st of last month, 1st of this
 * month). `current`: month to date in full UTC days like --days, [1st of this month, today 00:00): today is left
 * out because its usage is still arriving, so on the 1st there is no full day yet and the month is refused.
 */
export function monthRange(month: string, now: Date): DateRange {
  if (!(MONTH_WINDOWS as readonly string[]).includes(month)) {
    throw new BadInputError('E_BAD_FLAG', `--month ${month} is not a month window: use --month previous (last full month) or --month current (month to date).`)
  }
  const thisMonth = startOfUtcMonth(now)
  const range =
    month === 'previous' ? {start: startOfUtcMonth(now, -1), end: thisMonth} : {start: thisMonth, end: startOfUtcDay(now)}
  if (range.end.getTime() <= range.start.getTime()) {
    throw new BadInputError(
      'E_RANGE_EMPTY',
      `--month current has no full day yet: today, ${utcDay(now)}, is the first of the month (UTC) and its usage is still arriving; use --month previous for last month.`,
    )
  }
  validateRange(range, now, {start: '--month', end: '--month'})
  return range
}

/**
 * The window a --month window is compared with: the calendar month before it, not the same number of days,
 * because months differ in length and a monthly bill is compared month by month. For a whole month that is the
 * whole month before; for month to date it is the same days of the month before (capped at that month's end),
 * so a partial month is not measured against a whole one.
 */
export function monthComparisonRange(month: MonthWindow, range: DateRange): DateRange {
  const start = startOfUtcMonth(range.start, -1)
  if (month === 'previous') return {start, end: range.start}
  const sameDays = new Date(start.getTime() + (range.end.getTime() - range.start.getTime()))
  return {start, end: sameDays.getTime() < range.start.getTime() ? sameDays : range.start}
}

/**
 * The one range an export's windows cover without a gap, or null when there is a gap between them (a `run
 * --history` exports missing old days and the report's range as separate windows): the span from the first
 * start to the last end would then claim days no window exported.
 */
export function windowsSpan(windows: readonly {start: string; end: string}[]): DateRange | null {
  const ranges = windows.map((window) => ({start: new Date(window.start), end: new Date(window.end)}))
  if (ranges.length === 0 || ranges.some((range) => Number.isNaN(range.start.getTime()) || Number.isNaN(range.end.getTime()))) return null
  const merged = coalesceRanges(ranges)
  return merged.length === 1 ? merged[0] : null
}

/** The ranges sorted, with overlapping or touching ones merged: the instants they cover, as few ranges as can hold them. */
export function coalesceRanges(ranges: readonly DateRange[]): DateRange[] {
  const sorted = ranges.filter((range) => range.end.getTime() > range.start.getTime()).sort((a, b) => a.start.getTime() - b.start.getTime())
  const merged: DateRange[] = []
  for (const range of sorted) {
    const last = merged.at(-1)
    if (last && range.start.getTime() <= last.end.getTime()) {
      if (range.end.getTime() > last.end.getTime()) last.end = new Date(range.end.getTime())
    } else {
      merged.push({start: new Date(range.start.getTime()), end: new Date(range.end.getTime())})
    }
  }
  return merged
}

/**
 * The export windows for several ranges at once (the report's window and the days a history is missing), as
 * few as possible: each window starts at the first instant not yet covered and runs as far as `maxDays` allows,
 * so ranges close together share one export job (gaps between them are exported too: a POST costs more than a
 * few extra days). A window cut short by `maxDays` ends on a UTC midnight, as in splitWindows; for a single
 * range the result is splitWindows' own.
 */
export function planWindows(ranges: readonly DateRange[], maxDays: number = MAX_WINDOW_DAYS): DateRange[] {
  if (!Number.isInteger(maxDays) || maxDays < 1) throw new RangeError(`maxDays must be a positive integer, got ${maxDays}`)
  const pending = coalesceRanges(ranges).map((range) => ({start: range.start.getTime(), end: range.end.getTime()}))
  const windows: DateRange[] = []
  let index = 0
  while (index < pending.length) {
    const start = pending[index].start
    const limit = start + maxDays * DAY_MS
    let end = start
    while (index < pending.length && pending[index].end <= limit) end = pending[index++].end
    const straddling = pending[index]
    if (straddling && straddling.start < limit) {
      const boundary = Math.floor(limit / DAY_MS) * DAY_MS
      if (boundary > Math.max(start, straddling.start)) {
        // The window ends on the midnight before the limit; the rest of this range starts the next one.
        windows.push({start: new Date(start), end: new Date(boundary)})
        straddling.start = boundary
        continue
      }
    }
    windows.push({start: new Date(start), end: new Date(end)})
  }
  return windows
}
