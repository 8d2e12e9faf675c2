/**
 * Which days a load may replace whole. A day is replaced whole (every row of that organization and day deleted,
 * then the input's rows inserted) only when the input is known to hold all of it; deleting a whole day and
 * inserting part of it would lose rows. Rows of the other days replace only the rows with the same JOB_ID.
 *
 * JOB_RUN_DATE is the day the pipeline started, and the Usage API selects jobs by run time (both ends
 * inclusive): a job of a pipeline started on day D can run after midnight, so rows dated D also come with the
 * export of D + 1. As for the history (history/plan.ts), an export holds day D whole only when it also holds
 * D + 1; the last day of a window is partial, and so is any day before its start (its few rows are jobs that
 * ran after it).
 *
 * - With the export window known (`run`, or an export-manifest.json beside usage.csv), a day is whole when a
 *   window covers it and the day after from midnight to midnight. An export whose windows leave a gap (`run
 *   --history`) is several windows: a day of the gap is covered by none, though their span would claim it.
 * - Without a window, the input is taken for one export whose window reached at least from its first job's
 *   JOB_RUN_STARTED_AT to its last one's, and the same rule applies to that span. Its first and last day present
 *   are not enough: a stray row of a pipeline started days before the window (its job ran inside) would make
 *   the window's partial first day, and the days between that hold only such rows, whole.
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

/**
 * The days among `daysPresent` (YYYY-MM-DD) the input holds completely, given the windows it was exported in,
 * each with the end of the window that holds it. A job dated on a whole day that ran after that end (a workflow
 * rerun in a pipeline of that day, an approval held for days) cannot be in this input: a later export brought
 * it, and replacing the day must not remove it.
 */
export function wholeDays(daysPresent: readonly string[], windows: readonly LoadWindow[]): Array<{day: string; windowEnd: Date}> {
  const days = [...new Set(daysPresent)].sort()
  return days.flatMap((day) => {
    const holding = windows.find((window) => dayStartMs(day) >= window.start.getTime() && dayStartMs(day) + 2 * DAY_MS <= window.end.getTime())
    return holding ? [{day, windowEnd: holding.end}] : []
  })
}

