import {format} from 'fast-csv'

import {createAtomicWriteStream} from '../core/atomic.js'
import {percentOfShare} from '../core/format-credits.js'
import {NONE_LABEL, type BreakdownRow, type CsvDimension} from '../analysis/build.js'
import {isRollup, type Bucket} from '../analysis/summary.js'

/**
 * Spreadsheets run a text cell that starts with = + - @ (or tab/CR) as a formula; a leading apostrophe makes it
 * text. Only strings are touched: numbers stay numbers (a negative number is not a formula).
 */
export function escapeCell(value: string | number | null): string | number {
  if (value === null) return ''
  if (typeof value === 'number') return value
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
}

/** The dimension columns of each by-<dim>.csv, first, in this order. */
const DIMENSION_COLUMNS: Record<CsvDimension, [header: string, dim: string][]> = {
  org: [['org', 'org']],
  project: [['project', 'project'], ['org', 'org']],
  workflow: [['project', 'project'], ['workflow', 'workflow'], ['org', 'org']],
  job: [['project', 'project'], ['workflow', 'workflow'], ['job', 'job'], ['org', 'org']],
  branch: [['project', 'project'], ['branch', 'branch'], ['org', 'org']],
  'resource-class': [['resource_class', 'resourceClass']],
  executor: [['executor', 'executor']],
  day: [['day', 'day']],
  team: [['team', 'team']],
}

export function breakdownHeader(dimension: CsvDimension, withDollars: boolean): string[] {
  return [
    ...DIMENSION_COLUMNS[dimension].map(([header]) => header),
    'credits', 'share_pct', 'jobs', 'rows', 'compute_minutes', 'avg_job_minutes', 'failed_credits', 'failed_jobs',
    ...(withDollars ? ['dollars'] : []),
  ]
}

/** A 0..1 share as a percentage with three decimals, as the share_pct columns carry it (rounded as on screen). */
export function sharePct(share: number): number {
  return percentOfShare(share, 3)
}

/**
 * One CSV record; the "other" roll-up row shows "(other)" in its first column, and a row without a first name (no
 * PROJECT_NAME) shows "(none)" there: its key joins every name ("(none) / ci / test"), the later columns hold them.
 */
export function breakdownRecord(dimension: CsvDimension, row: Bucket & {avgJobMinutes?: number | null}, withDollars: boolean): (string | number)[] {
  const dims = DIMENSION_COLUMNS[dimension].map(([, dim], index) => {
    const value = row.dims[dim] ?? null
    return escapeCell(index === 0 && value === null ? (isRollup(row) ? row.key : NONE_LABEL) : value)
  })
  return [
    ...dims,
    row.credits,
    sharePct(row.share),
    row.jobs,
    row.rows,
    row.computeMinutes,
    row.avgJobMinutes ?? '',
    row.failedCredits,
    row.failedJobs,
    ...(withDollars ? [row.dollars ?? ''] : []),
  ]
}

/** Records made one at a time as the stream takes them, not a second copy of a large table. */
export function* mapLazily<T, R>(items: Iterable<T>, map: (item: T) => R): Generator<R> {
  for (const item of items) yield map(item)
}

/**
 * fast-csv writes the header with the first record only: a table without records (a window or filter with no
 * rows) became one empty line, which readers take for a file without columns. The header is always written.
 */
function csvFormat(headers: string[]) {
  return {headers, writeHeaders: true, alwaysWriteHeaders: true, includeEndRowDelimiter: true}
}

/** Writes a CSV atomically (temp file + rename), streaming records through fast-csv. Escape cells first (escapeCell). */
export async function writeCsvAtomic(path: string, headers: string[], records: Iterable<(string | number)[]>): Promise<void> {
  const target = await createAtomicWriteStream(path)
  try {
    const csv = format(csvFormat(headers))
    const done = new Promise<void>((resolve, reject) => {
      target.stream.once('error', reject)
      csv.once('error', reject)
      csv.once('end', resolve)
    })
    csv.pipe(target.stream, {end: false})
    for (const record of records) {
      if (!csv.write(record)) await new Promise((resolve) => csv.once('drain', resolve))
    }
    csv.end()
    await done
    await target.commit()
  } catch (error) {
    await target.abort()
    throw error
  }
}

/** Writes by-<dim>.csv atomically. */
export async function writeBreakdownCsv(path: string, dimension: CsvDimension, rows: BreakdownRow[], withDollars: boolean): Promise<void> {
  await writeCsvAtomic(path, breakdownHeader(dimension, withDollars), mapLazily(rows, (row) => breakdownRecord(dimension, row, withDollars)))
}

/** A small CSV as a string (header, records already escaped), for `--format csv` on stdout. */
export async function csvString(headers: string[], records: (string | number)[][]): Promise<string> {
  const chunks: string[] = []
  const csv = format(csvFormat(headers))
  const done = new Promise<void>((resolve, reject) => {
    csv.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')))
    csv.once('error', reject)
    csv.once('end', resolve)
  })
  for (const record of records) csv.write(record)
  csv.end()
  await done
  return chunks.join('')
}

/** The breakdown CSV as a string, for `--format csv` on stdout (small: top N + other). */
export function breakdownCsvString(dimension: CsvDimension, rows: Bucket[], withDollars: boolean): Promise<string> {
  return csvString(breakdownHeader(dimension, withDollars), rows.map((row) => breakdownRecord(dimension, row, withDollars)))
}
