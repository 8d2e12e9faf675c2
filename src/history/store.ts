/**
 * The history folder: `history.json` (what is stored) and Parquet files written by DuckDB, partitioned by month:
 * each part holds days of one month, as two files, the rollup rows (every breakdown of the report) and the same
 * summed per day x org x project (what the trend, forecast, budgets and anomalies read: a year of them is a few
 * hundred thousand rows where the rollup has tens of millions).
 *
 * Final days change only when a later export holds jobs that started days late (plan.ts daysToStore): an update
 * writes final days to a new part and rewrites an older final part only to take such a day out of it; the
 * days not final yet live in one provisional part per month, rewritten by each update that touches the month.
 * A weekly run therefore writes about fourteen days of rows (its week, and the week before, which its export
 * holds for the comparison and which gets its second look: README "History"), whatever the size of the history.
 * Files are never changed in place: new parts are written, then history.json is replaced atomically, then the
 * files it no longer names are deleted, so an interrupted update leaves the previous history intact (plus stray
 * files the next update deletes).
 */
import {createHash, randomBytes} from 'node:crypto'
import {createReadStream} from 'node:fs'
import {mkdir, readdir, readFile, rm, stat} from 'node:fs/promises'
import {join} from 'node:path'

import type {DuckDBConnection} from '@duckdb/node-api'

import {sqlIdent, sqlString} from '../analysis/columns.js'
import {writeJsonAtomic} from '../core/atomic.js'
import {BadInputError, InputFileError} from '../core/errors.js'
import {dayFromNumber, dayNumber, monthOf, shiftDay} from './days.js'
import type {ExportedDay, StoredDay} from './plan.js'
import {dailySql, emptyRollupSql, ROLLUP_COLUMNS} from './rollup.js'

export const HISTORY_FILE = 'history.json'
/** The rollup columns by name, so that both sides of a union line up whatever order a file was written in. */
const ROLLUP_SELECT = ROLLUP_COLUMNS.map((name) => sqlIdent(name)).join(', ')
export const HISTORY_SCHEMA_VERSION = 1 as const
const FILE_PATTERN = /^(rollup|daily)-(\d{4}-\d{2})-[0-9a-f]{8}\.parquet$/
/** Months ending this many days before the newest stored day are dropped: the API keeps 366 days, the trend reads 52 weeks. */
export const KEEP_DAYS = 400

export interface HistoryFile {
  /** File name inside the history folder. */
  file: string
  rows: number
  bytes: number
  /**
   * SHA-256 of the file as written. A changed byte keeps the size, and DuckDB reads many such files without a
   * complaint (Parquet pages carry no checksum): the values, or which project they belong to, come out wrong.
   * Absent in histories written before it was kept; such files are checked by size alone.
   */
  sha256?: string
}

export type FileKind = 'rollup' | 'daily'

export interface HistoryPart {
  /** YYYY-MM: every day of the part is in this month. */
  month: string
  /** Final days only (rewritten only to take out a day stored again), or the month's days not final yet (rewritten by the next update). */
  final: boolean
  /** Rollup rows (rollup.ts ROLLUP_COLUMNS). */
  rollup: HistoryFile
  /** The part's rollup summed per day x org x project (rollup.ts DAILY_KEYS). */
  daily: HistoryFile
}

/** history.json. */
export interface HistoryManifest {
  schemaVersion: typeof HISTORY_SCHEMA_VERSION
  tool: 'cci-usage'
  /** The organizations the history was exported for: the org id and the shared org ids, sorted. */
  organizations: string[]
  /** Every day stored (a day without usage too: it has no rows) and whether it is final. */
  days: Record<string, StoredDay>
  /** The Parquet parts, by month; each stored day's rows are in exactly one part (none when it had no usage). */
  parts: HistoryPart[]
  /** The last update: days stored, and the export's rows without a JOB_RUN_DATE, which no day can hold. */
  lastUpdate: {at: string; daysStored: number; undatedRows: number; undatedCredits: number} | null
  updatedAt: string
}

function rebuildHint(dir: string): string {
  return `delete the folder ${dir} and run again: the next \`cci-usage run --history ${dir}\` rebuilds it from the Usage API`
}

function corrupt(dir: string, what: string, why: string): InputFileError {
  return new InputFileError('E_HISTORY_CORRUPT', `History file ${what} ${why}; ${rebuildHint(dir)}.`)
}

/** The history in `dir`, or null when the folder holds none yet (a new history). */
export async function readHistory(dir: string): Promise<HistoryManifest | null> {
  const path = join(dir, HISTORY_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    // No such file (or a file where a folder of the path should be): no history yet. Writing it later reports
    // an unwritable folder the usual way.
    if (['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return null
    throw new InputFileError('E_HISTORY_UNREADABLE', `History file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'read error'}): check --history.`)
  }
  let parsed: HistoryManifest
  try {
    parsed = JSON.parse(text) as HistoryManifest
  } catch {
    throw corrupt(dir, path, 'is not valid JSON')
  }
  const problem = shapeProblem(parsed)
  if (problem) throw corrupt(dir, path, `is not a cci-usage history (${problem})`)
  return parsed
}

function shapeProblem(value: HistoryManifest): string | null {
  if (typeof value !== 'object' || value === null) return 'not an object'
  if (value.schemaVersion !== HISTORY_SCHEMA_VERSION) return `schemaVersion ${JSON.stringify(value.schemaVersion)}, expected ${HISTORY_SCHEMA_VERSION}`
  if (!Array.isArray(value.organizations) || !value.organizations.every((id) => typeof id === 'string')) return 'organizations missing'
  if (typeof value.days !== 'object' || value.days === null) return 'days missing'
  if (!Array.isArray(value.parts)) return 'parts missing'
  // A day that is not a date would stay in the history for good, held with no rows, while its real day is
  // exported again beside it.
  for (const [day, entry] of Object.entries(value.days)) {
    const isDay = /^\d{4}-\d{2}-\d{2}$/.test(day) && dayFromNumber(dayNumber(day)) === day
    if (!isDay || typeof entry?.final !== 'boolean' || Number.isNaN(Date.parse(entry.fetchedAt))) return `bad day entry ${JSON.stringify(day)}`
  }
  for (const part of value.parts) {
    for (const kind of ['rollup', 'daily'] as const) {
      const match = FILE_PATTERN.exec(part?.[kind]?.file ?? '')
      if (match?.[1] !== kind || match[2] !== part.month) return `bad ${kind} file entry for ${String(part?.month)}`
    }
  }
  return null
}

export function organizationSet(ids: readonly string[]): string[] {
  return [...new Set(ids.map((id) => id.trim()).filter((id) => id !== ''))].sort()
}

/**
 * A history answers for one set of organizations: another set would mix or miss their usage. `partOfSet`: the
 * organizations are only the start of the set (--discover-shared-orgs adds the rest when the export starts), so
 * they need only be among the stored ones; the export's whole set is checked again before anything is stored.
 */
export function checkOrganizations(manifest: HistoryManifest, organizations: readonly string[], dir: string, partOfSet = false): void {
  const wanted = organizationSet(organizations)
  const stored = organizationSet(manifest.organizations)
  if (partOfSet ? wanted.every((id) => stored.includes(id)) : wanted.length === stored.length && wanted.every((id, index) => id === stored[index])) return
  throw new BadInputError(
    'E_HISTORY_ORGS',
    `The history in ${dir} was made for organizations ${stored.join(', ') || '(none)'}, not ${wanted.join(', ')}: use another --history folder for this set of organizations (or delete ${dir} to start it over).`,
  )
}

/** Every file history.json names. */
function namedFiles(manifest: HistoryManifest): HistoryFile[] {
  return manifest.parts.flatMap((part) => [part.rollup, part.daily])
}

/** Every file history.json names must be there with the size it was written with. */
export async function verifyHistoryFiles(dir: string, manifest: HistoryManifest): Promise<void> {
  for (const entry of namedFiles(manifest)) {
    const path = join(dir, entry.file)
    const info = await stat(path).catch(() => null)
    if (info === null) throw corrupt(dir, path, 'is missing')
    if (info.size !== entry.bytes) throw corrupt(dir, path, `has ${info.size} bytes where ${entry.bytes} were written (truncated or replaced)`)
    if (entry.sha256 === undefined) continue
    const digest = await fileDigest(path, info.mtimeMs).catch((error: unknown) => {
      throw corrupt(dir, path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'read error'})`)
    })
    if (digest !== entry.sha256) throw corrupt(dir, path, 'is not the file that was written (its SHA-256 differs: damaged or replaced)')
  }
}

/**
 * Digests this process computed, by path, with the file's mtime then: `run` checks the history before its export
 * and again before it stores, and a year of history at 1 GB of usage a week is ~100 MB to read each time.
 */
const digests = new Map<string, {mtimeMs: number; digest: string}>()

async function fileDigest(path: string, mtimeMs?: number): Promise<string> {
  const known = digests.get(path)
  if (known !== undefined && mtimeMs !== undefined && known.mtimeMs === mtimeMs) return known.digest
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  const digest = hash.digest('hex')
  if (mtimeMs !== undefined) digests.set(path, {mtimeMs, digest})
  return digest
}

/**
 * SQL reading the rows of the given months (default: all) from the rollup files or the daily files, or an empty
 * relation (with the rollup's columns, a superset of the daily files') when there is none.
 */
export function historyRowsSql(dir: string, manifest: HistoryManifest, months?: (month: string) => boolean, kind: FileKind = 'rollup'): string {
  const files = manifest.parts.filter((part) => !months || months(part.month)).map((part) => sqlString(join(dir, part[kind].file)))
  return files.length === 0 ? emptyRollupSql() : `read_parquet([${files.join(', ')}])`
}

/**
 * Runs `action`, turning a failure caused by a damaged history file into one line naming the file. DuckDB's own
 * message does not always say which of several files failed (or that it was a file at all), so on any failure
 * each file is read whole on its own; when all read fine, the original error stands.
 */
export async function withHistoryFiles<T>(connection: DuckDBConnection, dir: string, manifest: HistoryManifest, action: () => Promise<T>): Promise<T> {
  try {
    return await action()
  } catch (error) {
    for (const entry of namedFiles(manifest)) {
      const path = join(dir, entry.file)
      // hash(t) of the whole row makes DuckDB decode every column, not just the ones a query would read.
      const read = await connection
        .runAndReadAll(`SELECT COUNT(*) AS n, MIN(hash(t)) AS h FROM read_parquet(${sqlString(path)}) AS t`)
        .then((reader) => ({rows: Number(reader.getRowObjects()[0].n)}), (failure: unknown) => ({failure: String((failure as Error)?.message ?? failure)}))
      if ('failure' in read) throw corrupt(dir, path, `cannot be read (${read.failure.split('\n')[0]})`)
      if (read.rows !== entry.rows) throw corrupt(dir, path, `holds ${read.rows} rows where ${entry.rows} were written`)
    }
    throw error
  }
}

export interface HistoryUpdate {
  organizations: readonly string[]
  /** Days to store, replacing what the history held for them. */
  days: readonly ExportedDay[]
  /** SQL selecting the rollup rows of the given days (each month's days are rolled up as its file is written). */
  rollupOf: (days: readonly string[]) => string
  undatedRows: number
  undatedCredits: number
  now: Date
}

/**
 * Stores days: per month touched, the final ones as a new part, and the ones not final yet together with the
 * month's earlier provisional days that stay so, as the month's new provisional part; then history.json names
 * the new parts, then the files it no longer names are deleted. Returns the new manifest.
 */
export async function writeHistory(connection: DuckDBConnection, dir: string, previous: HistoryManifest | null, update: HistoryUpdate): Promise<HistoryManifest> {
  await mkdir(dir, {recursive: true})
  const manifest: HistoryManifest = previous
    ? structuredClone(previous)
    : {schemaVersion: HISTORY_SCHEMA_VERSION, tool: 'cci-usage', organizations: organizationSet(update.organizations), days: {}, parts: [], lastUpdate: null, updatedAt: ''}
  const storing = new Set(update.days.map((entry) => entry.day))
  for (const month of [...new Set(update.days.map((entry) => monthOf(entry.day)))].sort()) {
    const days = update.days.filter((entry) => monthOf(entry.day) === month)
    const final = days.filter((entry) => entry.final).map((entry) => entry.day)
    const provisional = days.filter((entry) => !entry.final).map((entry) => entry.day)
    let parts = manifest.parts.filter((part) => part.month !== month || part.final)
    // Final days stored again (a later copy holding jobs that started days late: plan.ts daysToStore) leave the
    // final parts that held them, which are rewritten without them: each stored day stays in exactly one part.
    // Every day stored is looked for, not only those history.json lists as final: a history.json whose day was
    // changed to another date (still valid JSON, the same size) made that day look missing, and its new copy
    // was added beside the rows a final part still held, counting the day twice.
    if (parts.some((part) => part.month === month && part.final)) parts = await withoutDays(connection, dir, manifest, parts, month, days.map((entry) => entry.day))
    if (final.length > 0) parts.push(await writePart(connection, dir, month, true, `SELECT ${ROLLUP_SELECT} FROM (${update.rollupOf(final)})`))
    const old = manifest.parts.find((part) => part.month === month && !part.final)
    const kept = old ? Object.keys(manifest.days).filter((day) => monthOf(day) === month && !manifest.days[day].final && !storing.has(day)) : []
    if (provisional.length > 0 || kept.length > 0) {
      const selects = [
        ...(kept.length > 0 ? [`SELECT ${ROLLUP_SELECT} FROM read_parquet(${sqlString(join(dir, old!.rollup.file))}) WHERE JOB_RUN_DATE IN (${dayList(kept)})`] : []),
        ...(provisional.length > 0 ? [`SELECT ${ROLLUP_SELECT} FROM (${update.rollupOf(provisional)})`] : []),
      ]
      parts.push(await withHistoryFiles(connection, dir, manifest, () => writePart(connection, dir, month, false, selects.join(' UNION ALL '))))
    }
    manifest.parts = parts
  }
  for (const entry of update.days) manifest.days[entry.day] = {final: entry.final, fetchedAt: entry.fetchedAt, exportEnd: entry.exportEnd}
  pruneOldMonths(manifest)
  manifest.days = Object.fromEntries(Object.entries(manifest.days).sort(([a], [b]) => (a < b ? -1 : 1)))
  manifest.parts.sort((a, b) => (a.month !== b.month ? (a.month < b.month ? -1 : 1) : Number(b.final) - Number(a.final)))
  manifest.lastUpdate = {at: update.now.toISOString(), daysStored: update.days.length, undatedRows: update.undatedRows, undatedCredits: update.undatedCredits}
  manifest.updatedAt = update.now.toISOString()
  await writeJsonAtomic(join(dir, HISTORY_FILE), manifest)
  await removeUnnamedFiles(dir, manifest)
  return manifest
}

/** `parts` with `days` of `month` taken out of its final parts: a part holding none is kept as it is, one holding only them dropped. */
async function withoutDays(connection: DuckDBConnection, dir: string, manifest: HistoryManifest, parts: HistoryPart[], month: string, days: readonly string[]): Promise<HistoryPart[]> {
  const kept: HistoryPart[] = []
  for (const part of parts) {
    if (part.month !== month || !part.final) {
      kept.push(part)
      continue
    }
    const file = sqlString(join(dir, part.rollup.file))
    const held = await withHistoryFiles(connection, dir, manifest, async () =>
      Number((await connection.runAndReadAll(`SELECT COUNT(*) AS n FROM read_parquet(${file}) WHERE JOB_RUN_DATE IN (${dayList(days)})`)).getRowObjects()[0].n),
    )
    if (held === 0) kept.push(part)
    else if (held < part.rollup.rows) kept.push(await writePart(connection, dir, month, true, `SELECT ${ROLLUP_SELECT} FROM read_parquet(${file}) WHERE JOB_RUN_DATE NOT IN (${dayList(days)})`))
  }
  return kept
}

function dayList(days: readonly string[]): string {
  return days.map((day) => `DATE ${sqlString(day)}`).join(', ')
}

/** One part: its rollup rows from `select`, and its daily file summed from them. */
async function writePart(connection: DuckDBConnection, dir: string, month: string, final: boolean, select: string): Promise<HistoryPart> {
  const id = randomBytes(4).toString('hex')
  const rollup = `rollup-${month}-${id}.parquet`
  const daily = `daily-${month}-${id}.parquet`
  await copyTo(connection, select, join(dir, rollup))
  await copyTo(connection, dailySql(`read_parquet(${sqlString(join(dir, rollup))})`), join(dir, daily))
  return {month, final, rollup: await fileEntry(connection, dir, rollup), daily: await fileEntry(connection, dir, daily)}
}

async function copyTo(connection: DuckDBConnection, select: string, path: string): Promise<void> {
  await connection.run(`COPY (${select}) TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd)`)
}

async function fileEntry(connection: DuckDBConnection, dir: string, file: string): Promise<HistoryFile> {
  const path = join(dir, file)
  const rows = Number((await connection.runAndReadAll(`SELECT COUNT(*) AS n FROM read_parquet(${sqlString(path)})`)).getRowObjects()[0].n)
  const info = await stat(path)
  return {file, rows, bytes: info.size, sha256: await fileDigest(path, info.mtimeMs)}
}

/** Forgets the months that ended more than KEEP_DAYS before the newest stored day (their files are deleted after). */
function pruneOldMonths(manifest: HistoryManifest): void {
  const days = Object.keys(manifest.days).sort()
  if (days.length === 0) return
  const oldestMonthKept = monthOf(shiftDay(days[days.length - 1], -KEEP_DAYS))
  for (const day of days) if (monthOf(day) < oldestMonthKept) delete manifest.days[day]
  manifest.parts = manifest.parts.filter((part) => part.month >= oldestMonthKept)
}

/** Deletes rollup files history.json does not name: superseded ones, and leftovers of an interrupted update. */
async function removeUnnamedFiles(dir: string, manifest: HistoryManifest): Promise<void> {
  const named = new Set(namedFiles(manifest).map((entry) => entry.file))
  for (const name of await readdir(dir)) {
    if (FILE_PATTERN.test(name) && !named.has(name)) await rm(join(dir, name), {force: true})
  }
}
