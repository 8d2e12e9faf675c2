import {DateTime} from 'luxon'

import {BadInputError} from '../core/errors.js'
import type {Window} from './summary.js'
import {sqlString} from './columns.js'
import type {DayRange} from './aggregate.js'

/** What part of the export a report covers: --org/--project/--branch (exact or glob), --start/--end (`since`/`until` here). */
export interface ReportFilters {
  org?: string
  project?: string
  branch?: string
  /** YYYY-MM-DD, UTC, inclusive. */
  since?: string
  /** YYYY-MM-DD, UTC, inclusive. */
  until?: string
}

const DAY = /^\d{4}-\d{2}-\d{2}$/

/** Validates a report --start/--end value: a real calendar day, YYYY-MM-DD. */
export function parseDay(flag: string, value: string): string {
  const day = DateTime.fromISO(value, {zone: 'utc'})
  if (!DAY.test(value) || !day.isValid) {
    throw new BadInputError('E_BAD_DATE', `--${flag} ${value} is not a date: use YYYY-MM-DD (UTC), a real calendar day.`)
  }
  return value
}

export function addDays(day: string, days: number): string {
  return DateTime.fromISO(day, {zone: 'utc'}).plus({days}).toISODate() as string
}

export function daysBetween(start: string, end: string): number {
  return Math.round(DateTime.fromISO(end, {zone: 'utc'}).diff(DateTime.fromISO(start, {zone: 'utc'}), 'days').days)
}

/** The window from --since/--until (until inclusive), or null when neither is given. */
export function requestedRange(filters: ReportFilters): DayRange | null {
  if (!filters.since && !filters.until) return null
  if (filters.since && filters.until && filters.until < filters.since) {
    throw new BadInputError('E_BAD_WINDOW', `--end ${filters.until} is before --start ${filters.since}: swap them.`)
  }
  // With one bound only, the other is open; 0001/9999 keep the SQL a plain range.
  return {start: filters.since ?? '0001-01-01', end: filters.until ? addDays(filters.until, 1) : '9999-12-31'}
}

/**
 * The longest report window, in days: ten years. The day breakdown, by-day.csv and the day chart hold every day of
 * the window, so a window reaching back to year 1 (a mistyped --start, or one malformed JOB_RUN_DATE cell among
 * the export's) meant 740,000 days: half a minute and a gigabyte before a stack overflow, nine minutes and 4.5 GB
 * for a cell dated 9999. A CircleCI export reaches back 366 days, so ten years is far beyond any real report.
 */
export const MAX_REPORT_DAYS = 3660

/**
 * Refuses a window longer than MAX_REPORT_DAYS (exit 2), before anything is built over its days. The message
 * blames the input when a bound the flags did not give comes from a JOB_RUN_DATE that far from the others (`days`,
 * the input's first and last), else the flags.
 */
export function checkWindowLength(range: DayRange, filters: ReportFilters, days: {first: string; last: string} | null): void {
  const length = daysBetween(range.start, range.end)
  if (length <= MAX_REPORT_DAYS) return
  const last = addDays(range.end, -1)
  const given = [filters.since && `--start ${filters.since}`, filters.until && `--end ${filters.until}`].filter(Boolean).join(' and ')
  const fromData = [filters.since ? undefined : range.start, filters.until ? undefined : last].filter((day) => day !== undefined).join(' and ')
  const dataTooLong = days !== null && daysBetween(days.first, addDays(days.last, 1)) > MAX_REPORT_DAYS
  const advice =
    fromData && (dataTooLong || !given)
      ? `the input's JOB_RUN_DATE reaches ${fromData}, most likely a malformed cell: check the rows dated ${fromData}, or choose the days to report with --start/--end`
      : `check ${given}`
  throw new BadInputError(
    'E_WINDOW_TOO_LONG',
    `The report window ${range.start}..${last} spans ${length.toLocaleString('en-US')} days, more than a report covers (${MAX_REPORT_DAYS.toLocaleString('en-US')} days, ten years): ${advice}.`,
  )
}

export function toWindow(range: DayRange): Window {
  return {start: `${range.start}T00:00:00.000Z`, end: `${range.end}T00:00:00.000Z`, days: daysBetween(range.start, range.end)}
}

/** The window of equal length just before `range`. */
export function previousRange(range: DayRange): DayRange {
  return {start: addDays(range.start, -daysBetween(range.start, range.end)), end: range.start}
}

const GLOB_CHARS = /[*?[\]]/

/** One filter as SQL: equality, or also DuckDB GLOB when the value holds glob characters (so a name that
 * itself contains `[` or `*` still matches exactly). Case-insensitive compares both sides lower-cased (DuckDB's
 * GLOB has no case-insensitive form; lower-casing a class such as [A-Z] keeps its meaning there). */
function matchSql(columns: string[], value: string, caseInsensitive = false): string {
  const glob = GLOB_CHARS.test(value)
  const side = (sql: string) => (caseInsensitive ? `lower(${sql})` : sql)
  const pattern = side(sqlString(value))
  const tests = columns.flatMap((column) => [`${side(column)} = ${pattern}`, ...(glob ? [`${side(column)} GLOB ${pattern}`] : [])])
  return `(${tests.join(' OR ')})`
}

/** The filters as the user typed them, for messages: `--project 'web-*' --branch main`. */
export function describeFilters(filters: ReportFilters): string {
  return (['org', 'project', 'branch'] as const)
    .filter((name) => filters[name])
    .map((name) => `--${name} ${JSON.stringify(filters[name])}`)
    .join(' ')
}

/**
 * The org/project/branch filters as one SQL boolean over the usage view's columns (the date window is applied
 * separately). The same expression is handed to the savings rules, so both see the same rows. Organization and
 * project names match ignoring case, as CircleCI's VCS names do (GitHub's `Acme/API` is `acme/api`); branches
 * match exactly, as git branch names are case-sensitive.
 */
export function filterSql(filters: ReportFilters): string | undefined {
  const parts: string[] = []
  if (filters.org) parts.push(matchSql(['ORGANIZATION_NAME', 'ORGANIZATION_ID'], filters.org, true))
  if (filters.project) parts.push(matchSql(['PROJECT_NAME'], filters.project, true))
  if (filters.branch) parts.push(matchSql(['VCS_BRANCH'], filters.branch))
  return parts.length > 0 ? parts.join(' AND ') : undefined
}

export function rangeSql(range: DayRange): string {
  return `JOB_RUN_DATE >= DATE ${sqlString(range.start)} AND JOB_RUN_DATE < DATE ${sqlString(range.end)}`
}
