import {formatMicroCredits} from '../core/exact-money.js'
import {coalesceRanges, type DateRange} from '../export/windows.js'
import {daysOf, maxDay, midnightOf, minDay, shiftDay} from '../history/days.js'
import type {DayRange, Group} from './aggregate.js'
import type {InputRows} from './report-rows.js'

/**
 * What the log says about inputs that were not read in full: a repeated path is a note (nothing was counted
 * twice either way); a copy skipped for its content is a warning (the user gave the same rows twice); rows
 * dropped for a JOB_ID a later file also holds are a note with the count per file, as `export` logs its own.
 */
export function describeInputRows(read: InputRows, notices: string[], warnings: string[]): void {
  for (const skip of read.skipped) {
    if (skip.reason === 'same-file') notices.push(`Input ${skip.path} is the same file as ${skip.sameAs}: read once.`)
    else warnings.push(`Input ${skip.path} has the same content as ${skip.sameAs}: skipped, so its rows are not counted twice.`)
  }
  if (read.duplicateRowsDropped > 0) {
    const perFile = read.duplicatesByFile.map((file) => `${file.rows} from ${file.path}`).join(', ')
    notices.push(
      `Dropped ${read.duplicateRowsDropped} row(s) whose JOB_ID a later input file also holds (${perFile}): the same jobs given twice are counted once, from the later file.`,
    )
  }
  for (const file of read.duplicatesByFile.filter((entry) => entry.unmatchedJobless > 0)) {
    warnings.push(
      `${file.unmatchedJobless} row(s) without a JOB_ID in ${file.path} fall on days a later input also holds: nothing identifies them, so if it repeats them they are counted twice. Give each day's rows in one input only.`,
    )
  }
}

/**
 * Rows without a JOB_RUN_DATE belong to no day: without --start/--end they count in the totals but in no day of
 * the day breakdown or chart, and a window given by date cannot select them at all. Either way the user is told
 * how many rows and credits, instead of the figures silently not adding up.
 */
export function undatedRowsWarning(dayGroups: readonly Group[], windowGiven: boolean): string | null {
  const undated = dayGroups.find((group) => group.dims.day === null || group.dims.day === undefined)
  if (!undated || undated.rows === 0) return null
  const what = `${undated.rows} row(s) with ${formatMicroCredits(undated.credits)} credits have no JOB_RUN_DATE`
  return windowGiven
    ? `${what}: no date window can select them, so --start/--end leaves them out; report without --start/--end to count them.`
    : `${what}: they count in the totals but in no day of the day breakdown and chart.`
}

/**
 * The days of `range` (YYYY-MM-DD, end exclusive) before the input's first day with rows or after its last that
 * no export window of the input (`covered`, from the export manifests) reaches: they read as days without
 * spend, though the input may simply not hold them (a month's chargeback made from nine days of it, a change
 * against a week the export never held). Null when there are none. Only for an input read whole: after
 * --org/--project/--branch the first day with rows is the selection's, not the export's.
 */
export function windowBeyondDataWarning(what: string, range: DayRange, data: {first: string; last: string}, covered: readonly DateRange[]): string | null {
  const reached = (day: string) => covered.some((window) => window.start < midnightOf(shiftDay(day, 1)) && window.end > midnightOf(day))
  const spans: string[] = []
  const side = (days: string[], where: string) => {
    const missing = days.filter((day) => !reached(day))
    const [first, last] = [missing[0], missing[missing.length - 1]]
    if (missing.length > 0) spans.push(`${first === last ? first : `${first}..${last}`} (${where})`)
  }
  const dataEnd = shiftDay(data.last, 1)
  side(daysOf({start: range.start, end: minDay(range.end, data.first)}), `before its first day with rows, ${data.first}`)
  side(daysOf({start: maxDay(range.start, dataEnd), end: range.end}), `after its last day with rows, ${data.last}`)
  if (spans.length === 0) return null
  return `The ${what} ${range.start}..${shiftDay(range.end, -1)} reaches days the input has no rows on: ${spans.join(' and ')}. If the export did not cover them, their credits are missing, not zero: export those days too, or choose a window inside the input's days.`
}

/** `hh:mm:ss[.sss]Z` of an instant. */
function clockTime(date: Date): string {
  const time = date.toISOString().slice(11, 23)
  return `${time.endsWith('.000') ? time.slice(0, 8) : time}Z`
}

/**
 * The days of `range` that the export windows (`covered`, from the export manifests) reach only in part: an
 * export given instants (`--start 2026-11-01T00:00:00+05:30`, or `--start` alone, which runs to now) starts or
 * ends inside a UTC day, and the report, which counts whole days, shows such a day's rows as the day's spend, a
 * day that reads lower than it was. Null when every day is whole or not reached at all (windowBeyondDataWarning
 * speaks of those), or no manifest is known.
 */
export function partialDaysWarning(what: string, range: DayRange, covered: readonly DateRange[]): string | null {
  if (covered.length === 0) return null
  const runs = coalesceRanges(covered)
  const parts: string[] = []
  for (const day of daysOf(range)) {
    const start = midnightOf(day).getTime()
    const end = start + 86_400_000
    const inside = runs
      .filter((run) => run.start.getTime() < end && run.end.getTime() > start)
      .map((run) => ({from: Math.max(start, run.start.getTime()), to: Math.min(end, run.end.getTime())}))
    if (inside.length === 0 || (inside.length === 1 && inside[0].from === start && inside[0].to === end)) continue
    if (inside.length > 1) parts.push(`${day} in part`)
    else if (inside[0].from === start) parts.push(`${day} only until ${clockTime(new Date(inside[0].to))}`)
    else if (inside[0].to === end) parts.push(`${day} only from ${clockTime(new Date(inside[0].from))}`)
    else parts.push(`${day} only from ${clockTime(new Date(inside[0].from))} until ${clockTime(new Date(inside[0].to))}`)
  }
  if (parts.length === 0) return null
  return `The export covers ${parts.join(', ')} (its windows start or end inside those UTC days), so those days of the ${what} hold only the usage of those hours and read lower than whole days: give --start and --end as days (YYYY-MM-DD, an --end before today) for whole days.`
}
