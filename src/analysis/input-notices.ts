import {formatMicroCredits} from '../core/exact-money.js'
import type {Group} from './aggregate.js'
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
