/**
 * The history folder: `history.json` (what is stored) and, per month, two Parquet files written by DuckDB: the
 * rollup rows (every breakdown of the report) and the same summed per day x org x project (what the trend,
 * forecast, budgets and anomalies read: a year of them is a few thousand rows where the rollup has millions).
 * Updates never change a file in place: the months touched are written to new files, then history.json is
 * replaced atomically, then the files it no longer names are deleted. An interrupted update therefore leaves the
 * previous history intact (plus stray files the next update deletes).
 */
import {randomBytes} from 'node:crypto'
import {mkdir, readdir, readFile, rm, stat} from 'node:fs/promises'
import {join} from 'node:path'

import type {DuckDBConnection} from '@duckdb/node-api'

import {sqlIdent, sqlString} from '../analysis/columns.js'
import {writeJsonAtomic} from '../core/atomic.js'
import {BadInputError, InputFileError} from '../core/errors.js'
import {monthOf, shiftDay} from './days.js'
import type {ExportedDay, StoredDay} from './plan.js'
import {dailySql, emptyRollupSql, ROLLUP_COLUMNS} from './rollup.js'

export const HISTORY_FILE = 'history.json'
export const HISTORY_SCHEMA_VERSION = 1 as const
const FILE_PATTERN = /^(rollup|daily)-(\d{4}-\d{2})-[0-9a-f]{8}\.parquet$/
/** Months ending this many days before the newest stored day are dropped: the API keeps 366 days, the trend reads 52 weeks. */
export const KEEP_DAYS = 400

export interface HistoryFile {
  /** File name inside the history folder. */
  file: string
  rows: number
  bytes: number
}

export type FileKind = 'rollup' | 'daily'

export interface MonthFiles {
  /** Rollup rows (rollup.ts ROLLUP_COLUMNS). */
  rollup: HistoryFile
  /** The month's rollup summed per day x org x project (rollup.ts DAILY_COLUMNS). */
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
  /** The Parquet files of each month (YYYY-MM). */
  files: Record<string, MonthFiles>
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
  if (typeof value.files !== 'object' || value.files === null) return 'files missing'
  for (const [month, entry] of Object.entries(value.files)) {
    for (const kind of ['rollup', 'daily'] as const) {
      const match = FILE_PATTERN.exec(entry?.[kind]?.file ?? '')
      if (match?.[1] !== kind || match[2] !== month) return `bad ${kind} file entry for ${month}`
    }
  }
  return null
}

export function organizationSet(ids: readonly string[]): string[] {
  return [...new Set(ids.map((id) => id.trim()).filter((id) => id !== ''))].sort()
}

/** A history answers for one set of organizations: another set would mix or miss their usage. */
export function checkOrganizations(manifest: HistoryManifest, organizations: readonly string[], dir: string): void {
  const wanted = organizationSet(organizations)
  const stored = organizationSet(manifest.organizations)
  if (wanted.length === stored.length && wanted.every((id, index) => id === stored[index])) return
  throw new BadInputError(
    'E_HISTORY_ORGS',
    `The history in ${dir} was made for organizations ${stored.join(', ') || '(none)'}, not ${wanted.join(', ')}: use another --history folder for this set of organizations (or delete ${dir} to start it over).`,
  )
}

/** Every file history.json names. */
function namedFiles(manifest: HistoryManifest): HistoryFile[] {
  return Object.values(manifest.files).flatMap((month) => [month.rollup, month.daily])
}

/** Every file history.json names must be there with the size it was written with. */
export async function verifyHistoryFiles(dir: string, manifest: HistoryManifest): Promise<void> {
  for (const entry of namedFiles(manifest)) {
    const path = join(dir, entry.file)
    const size = await stat(path).then((info) => info.size, () => -1)
    if (size < 0) throw corrupt(dir, path, 'is missing')
    if (size !== entry.bytes) throw corrupt(dir, path, `has ${size} bytes where ${entry.bytes} were written (truncated or replaced)`)
  }
}

/**
 * SQL reading the rows of the given months (default: all) from the rollup files or the daily files, or an empty
 * relation (with the rollup's columns, a superset of the daily files') when there is none.
 */
export function historyRowsSql(dir: string, manifest: HistoryManifest, months?: (month: string) => boolean, kind: FileKind = 'rollup'): string {
  const files = Object.entries(manifest.files)
    .filter(([month]) => !months || months(month))
    .map(([, entry]) => sqlString(join(dir, entry[kind].file)))
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
 * Stores days: each month touched is rewritten to a new file holding its other days' rows and the new rows, then
 * history.json names the new files, then the old ones are deleted. Returns the new manifest.
 */
export async function writeHistory(connection: DuckDBConnection, dir: string, previous: HistoryManifest | null, update: HistoryUpdate): Promise<HistoryManifest> {
  await mkdir(dir, {recursive: true})
  const manifest: HistoryManifest = previous
    ? structuredClone(previous)
    : {schemaVersion: HISTORY_SCHEMA_VERSION, tool: 'cci-usage', organizations: organizationSet(update.organizations), days: {}, files: {}, lastUpdate: null, updatedAt: ''}
  const byMonth = new Map<string, string[]>()
  for (const {day} of update.days) byMonth.set(monthOf(day), [...(byMonth.get(monthOf(day)) ?? []), day])
  for (const [month, days] of [...byMonth].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const id = randomBytes(4).toString('hex')
    const rollup = `rollup-${month}-${id}.parquet`
    const dayList = days.map((day) => `DATE ${sqlString(day)}`).join(', ')
    // Columns by name, so that both sides line up whatever order a file was written in.
    const columns = ROLLUP_COLUMNS.map((name) => sqlIdent(name)).join(', ')
    const fresh = `SELECT ${columns} FROM (${update.rollupOf(days)})`
    const old = manifest.files[month]
    const kept = old ? `SELECT ${columns} FROM read_parquet(${sqlString(join(dir, old.rollup.file))}) WHERE JOB_RUN_DATE NOT IN (${dayList}) UNION ALL ` : ''
    await withHistoryFiles(connection, dir, manifest, () => copyTo(connection, `${kept}${fresh}`, join(dir, rollup)))
    const daily = `daily-${month}-${id}.parquet`
    await copyTo(connection, dailySql(`read_parquet(${sqlString(join(dir, rollup))})`), join(dir, daily))
    manifest.files[month] = {rollup: await fileEntry(connection, dir, rollup), daily: await fileEntry(connection, dir, daily)}
  }
  for (const entry of update.days) manifest.days[entry.day] = {final: entry.final, fetchedAt: entry.fetchedAt}
  pruneOldMonths(manifest)
  manifest.days = Object.fromEntries(Object.entries(manifest.days).sort(([a], [b]) => (a < b ? -1 : 1)))
  manifest.files = Object.fromEntries(Object.entries(manifest.files).sort(([a], [b]) => (a < b ? -1 : 1)))
  manifest.lastUpdate = {at: update.now.toISOString(), daysStored: update.days.length, undatedRows: update.undatedRows, undatedCredits: update.undatedCredits}
  manifest.updatedAt = update.now.toISOString()
  await writeJsonAtomic(join(dir, HISTORY_FILE), manifest)
  await removeUnnamedFiles(dir, manifest)
  return manifest
}

async function copyTo(connection: DuckDBConnection, select: string, path: string): Promise<void> {
  await connection.run(`COPY (${select}) TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd)`)
}

async function fileEntry(connection: DuckDBConnection, dir: string, file: string): Promise<HistoryFile> {
  const path = join(dir, file)
  const rows = Number((await connection.runAndReadAll(`SELECT COUNT(*) AS n FROM read_parquet(${sqlString(path)})`)).getRowObjects()[0].n)
  return {file, rows, bytes: (await stat(path)).size}
}

/** Forgets the months that ended more than KEEP_DAYS before the newest stored day (their files are deleted after). */
function pruneOldMonths(manifest: HistoryManifest): void {
  const days = Object.keys(manifest.days).sort()
  if (days.length === 0) return
  const oldestMonthKept = monthOf(shiftDay(days[days.length - 1], -KEEP_DAYS))
  for (const day of days) if (monthOf(day) < oldestMonthKept) delete manifest.days[day]
  for (const month of Object.keys(manifest.files)) if (month < oldestMonthKept) delete manifest.files[month]
}

/** Deletes rollup files history.json does not name: superseded ones, and leftovers of an interrupted update. */
async function removeUnnamedFiles(dir: string, manifest: HistoryManifest): Promise<void> {
  const named = new Set(namedFiles(manifest).map((entry) => entry.file))
  for (const name of await readdir(dir)) {
    if (FILE_PATTERN.test(name) && !named.has(name)) await rm(join(dir, name), {force: true})
  }
}
