/**
 * What a history lacks of a report window: days it does not hold, or holds but not final yet. Both the report
 * made from the history alone (source.ts) and the history's figures beside an export (index.ts) warn with it.
 */
import {daysOf, runsOf, shiftDay, type DayRange} from './days.js'
import type {HistoryManifest} from './store.js'

/** Days as "a .. b" runs, for a one-line message. */
function describeDays(days: readonly string[]): string {
  return runsOf(days)
    .map((run) => (shiftDay(run.start, 1) === run.end ? run.start : `${run.start} .. ${shiftDay(run.end, -1)}`))
    .join(', ')
}

/**
 * Warnings for the days of `window` that the history lacks or holds only provisionally; `leftOut` says what
 * leaves the missing days out (the whole report when it reads the history, the history's figures beside an export).
 */
export function windowGaps(dir: string, manifest: HistoryManifest, window: DayRange, leftOut = 'the report leaves'): {warnings: string[]; complete: boolean} {
  const days = daysOf(window)
  const missing = days.filter((day) => !manifest.days[day])
  const provisional = days.filter((day) => manifest.days[day] && !manifest.days[day].final)
  const warnings: string[] = []
  if (missing.length > 0) {
    warnings.push(`The history in ${dir} does not hold ${describeDays(missing)}: ${leftOut} those days out. \`cci-usage run --history ${dir} --start ${window.start} --end ${shiftDay(window.end, -1)}\` stores them (the API keeps 366 days).`)
  }
  if (provisional.length > 0) {
    warnings.push(`The history holds ${describeDays(provisional)} as not final yet (usage lands up to 48 hours late): those days may still grow.`)
  }
  return {warnings, complete: missing.length === 0}
}
