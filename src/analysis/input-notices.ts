import type {InputRows} from './report-rows.js'

/**
 * What the log says about inputs that were not read in full: a repeated path is a note (nothing was counted
 * twice either way); a copy skipped for its content is a warning (the user gave the same rows twice); rows
 * dropped for a JOB_ID seen in an earlier file are a note with the count per file, as `export` logs its own.
 */
export function describeInputRows(read: InputRows, notices: string[], warnings: string[]): void {
  for (const skip of read.skipped) {
    if (skip.reason === 'same-file') notices.push(`Input ${skip.path} is the same file as ${skip.sameAs}: read once.`)
    else warnings.push(`Input ${skip.path} has the same content as ${skip.sameAs}: skipped, so its rows are not counted twice.`)
  }
  if (read.duplicateRowsDropped > 0) {
    const perFile = read.duplicatesByFile.map((file) => `${file.rows} from ${file.path}`).join(', ')
    notices.push(
      `Dropped ${read.duplicateRowsDropped} row(s) whose JOB_ID an earlier input file already holds (${perFile}): the same jobs given twice are counted once.`,
    )
  }
  for (const file of read.duplicatesByFile.filter((entry) => entry.unmatchedJobless > 0)) {
    warnings.push(
      `${file.unmatchedJobless} row(s) without a JOB_ID in ${file.path} fall on days an earlier input also holds: nothing identifies them, so if they repeat its rows they are counted twice. Give each day's rows in one input only.`,
    )
  }
}
