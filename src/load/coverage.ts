/**
 * Which days a load may replace whole. A day is replaced whole (every row of that organization and day deleted,
 * then the input's rows inserted) only when the input is known to hold all of it; deleting a whole day and
 * inserting part of it would lose rows. Rows of the other days replace only the rows with the same JOB_ID.
 *
 * - With the export window known (`run`, or an export-manifest.json beside usage.csv), a day is whole when a
 *   window covers it from midnight to midnight. An export whose windows leave a gap (`run --history`) is several
 *   windows: a day of the gap is covered by none, though its span would claim it. The Usage API selects jobs by run time, both ends inclusive, so
 *   a window can hold a few rows of a day it covers only in part (JOB_RUN_DATE is the day the pipeline started:
 *   a job started at 00:05 can belong to the day before).
 * - Without a window, the first and last day present may be partial (an export of 10:00 to 10:00), so only the
 *   days strictly between them are whole.
 */
import {DAY_MS} from '../export/windows.js'

export interface LoadWindow {
  start: Date
  /** The API's end, inclusive. */
  end: Date
}

function dayStartMs(day: string): number {
  return Date.parse(`${day}T00:00:00Z`)
}

/** The days among `daysPresent` (YYYY-MM-DD) the input holds completely, given the windows it was exported in. */
export function wholeDays(daysPresent: readonly string[], windows: readonly LoadWindow[] | null): string[] {
  const days = [...new Set(daysPresent)].sort()
  if (windows) {
    return days.filter((day) => windows.some((window) => dayStartMs(day) >= window.start.getTime() && dayStartMs(day) + DAY_MS <= window.end.getTime()))
  }
  return days.slice(1, -1)
}
