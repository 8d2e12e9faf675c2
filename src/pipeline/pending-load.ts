/**
 * `run --load-to`: the export windows whose rows are not in the warehouse yet. A run updates the history (in the
 * report) before it loads, and the next run exports only the days the history lacks (plus its own windows): when
 * a load did not happen (the run was killed after its report, or the database was down), the days only that run
 * exported, such as the first run's 12-week backfill, would never reach the warehouse. So the windows are noted
 * in the out folder before the report and forgotten once loaded; the next run exports (or reuses) them again and
 * loads them with its own. Loading a day twice is harmless: loads replace by day and JOB_ID.
 */
import {rm} from 'node:fs/promises'
import {join} from 'node:path'

import {writeJsonAtomic} from '../core/atomic.js'
import {readJson} from '../core/json-file.js'
import type {DateRange} from '../export/windows.js'
import {midnightOf} from '../history/days.js'
import {oldestExportableDay} from '../history/plan.js'

const PENDING_FILE = '.cci-usage-load-pending.json'

/** The windows a previous run exported and did not load, cut to what the Usage API still serves at `now`. */
export async function pendingLoadRanges(outDir: string, now: Date): Promise<DateRange[]> {
  const ranges = (await readJson<{ranges?: unknown}>(join(outDir, PENDING_FILE)))?.ranges
  if (!Array.isArray(ranges)) return []
  const oldest = midnightOf(oldestExportableDay(now)).getTime()
  return ranges
    .map((range: {start?: unknown; end?: unknown}) => ({start: Date.parse(String(range?.start)), end: Date.parse(String(range?.end))}))
    .filter((range) => Number.isFinite(range.start) && Number.isFinite(range.end))
    .map((range) => ({start: new Date(Math.max(range.start, oldest)), end: new Date(Math.min(range.end, now.getTime()))}))
    .filter((range) => range.start < range.end)
}

/** Notes `windows` as exported and not loaded yet (before the report updates the history). */
export async function notePendingLoad(outDir: string, windows: readonly {start: string; end: string}[]): Promise<void> {
  await writeJsonAtomic(join(outDir, PENDING_FILE), {ranges: windows.map(({start, end}) => ({start, end}))})
}

/** The load succeeded: nothing is pending. */
export async function clearPendingLoad(outDir: string): Promise<void> {
  await rm(join(outDir, PENDING_FILE), {force: true})
}
