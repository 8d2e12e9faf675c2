/**
 * `report --history DIR` without an export: the history's rollup rows stand in for the export, so the report's
 * cube (aggregate.ts, preAggregated) builds every breakdown of any stored week from them, offline.
 */
import {join} from 'node:path'

import {sqlIdent} from '../analysis/columns.js'
import {checkWindowLength, rangeSql} from '../analysis/scope.js'
import {openEngine, type OpenUsageOptions, type UsageSource} from '../analysis/engine.js'
import {BadInputError} from '../core/errors.js'
import {daysOf, isoWeekday, monthOf, shiftDay, type DayRange} from './days.js'
import {windowGaps} from './gaps.js'
import {HISTORY_FILE, historyRowsSql, readHistory, verifyHistoryFiles, withHistoryFiles, type HistoryManifest} from './store.js'

export const HISTORY_VIEW = 'history_rows'

/** The last ISO week (Monday..Sunday) all of whose days the history holds, or null. */
export function lastCompleteWeek(days: Iterable<string>): DayRange | null {
  const held = new Set(days)
  const sundays = [...held].filter((day) => isoWeekday(day) === 6).sort().reverse()
  for (const sunday of sundays) {
    const week = {start: shiftDay(sunday, -6), end: shiftDay(sunday, 1)}
    if (daysOf(week).every((day) => held.has(day))) return week
  }
  return null
}

export interface HistorySource {
  source: UsageSource
  manifest: HistoryManifest
  /** The report window: --since/--until, else the last complete ISO week, else every day held. */
  window: DayRange
  notices: string[]
  /**
   * What the window lacks: days the history does not hold, or holds but not final yet. A report of such a window
   * is short of the real spend, so it says so in summary.input.warnings.
   */
  warnings: string[]
  /** Whether the history holds every day of the window (final or not, as an export of it would). */
  complete: boolean
}

/**
 * Opens the history in `dir` as a report source: a view named HISTORY_VIEW over the rollup rows of `window` and
 * the window before it (the comparison), columns named as in the export.
 */
export async function openHistorySource(dir: string, requested: {since?: string; until?: string}, options: OpenUsageOptions = {}): Promise<HistorySource> {
  const manifest = await readHistory(dir)
  if (!manifest) throw new BadInputError('E_NO_HISTORY', `No history in ${dir} (no ${HISTORY_FILE}): make one with \`cci-usage run --history ${dir}\`, or pass --input with an export.`)
  await verifyHistoryFiles(dir, manifest)
  const days = Object.keys(manifest.days).sort()
  if (days.length === 0) throw new BadInputError('E_NO_HISTORY', `The history in ${dir} holds no day yet: run \`cci-usage run --history ${dir}\` first.`)
  const notices: string[] = []
  let window: DayRange
  if (requested.since || requested.until) {
    window = {start: requested.since ?? days[0], end: requested.until ? shiftDay(requested.until, 1) : shiftDay(days[days.length - 1], 1)}
  } else {
    const week = lastCompleteWeek(days)
    window = week ?? {start: days[0], end: shiftDay(days[days.length - 1], 1)}
    if (!week) notices.push(`The history in ${dir} holds no complete ISO week: reporting on every day it holds (${days[0]} .. ${days[days.length - 1]}).`)
  }
  // Before the days of the window are listed: a --start of 0000-01-01 failed in DuckDB, blamed on "one of the input files".
  checkWindowLength(window, requested, {first: days[0], last: days[days.length - 1]})
  const {warnings, complete} = windowGaps(dir, manifest, window)
  const length = daysOf(window).length
  const from = shiftDay(window.start, -length)
  const rows = historyRowsSql(dir, manifest, (month) => month >= monthOf(from) && month <= monthOf(shiftDay(window.end, -1)))
  const engine = await openEngine(options)
  try {
    await withHistoryFiles(engine.connection, dir, manifest, () =>
      engine.connection.run(
        `CREATE OR REPLACE TEMP VIEW ${sqlIdent(HISTORY_VIEW)} AS SELECT * FROM ${rows} WHERE ${rangeSql({start: from, end: window.end})}`,
      ),
    )
  } catch (error) {
    await engine.close()
    throw error
  }
  const files = manifest.parts.map((part) => join(dir, part.rollup.file))
  return {
    source: {connection: engine.connection, view: HISTORY_VIEW, files, repeatedPaths: [], checked: Promise.resolve([]), close: () => engine.close()},
    manifest,
    window,
    notices,
    warnings,
    complete,
  }
}
