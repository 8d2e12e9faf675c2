import {once} from 'node:events'

import {createAtomicWriteStream} from '../core/atomic.js'
import type {BreakdownRow, CsvDimension} from '../analysis/build.js'
import type {Bucket} from '../analysis/summary.js'

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

/** A 0..1 share as a percentage with three decimals, as the share_pct columns carry it. */
export function sharePct(share: number): number {
  return Math.round(share * 100_000) / 1000
}

/** One CSV record; the "other" roll-up row shows "other" in its first column. */
export function breakdownRecord(dimension: CsvDimension, row: Bucket & {avgJobMinutes?: number | null}, withDollars: boolean): (string | number)[] {
  const dims = DIMENSION_COLUMNS[dimension].map(([, dim], index) => {
    const value = row.dims[dim] ?? null
    return escapeCell(index === 0 && value === null ? row.key : value)
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
 * CSV text exactly as fast-csv 5 wrote it with the options this tool used (header row, `,`, `"`, `\n` after every
 * row), which files written by earlier versions and their readers' diffs rely on: a field holding `"` is quoted with
 * the quotes doubled; one holding `,` `|` `\r` or `\n` is quoted (fast-csv's pattern lists `|` too); NUL characters
 * are dropped; null and undefined are empty. With no record, not even the header row is written, only the final
 * `\n`, as fast-csv did. fast-csv itself took ~50-150 ms for by-job.csv's 5,000 rows on the 1 GB bench (a stream
 * transform and a callback per row), this a few.
 */
export function* csvChunks(headers: readonly string[], records: Iterable<readonly (string | number | null | undefined)[]>): Generator<string> {
  let lines: string[] = []
  let size = 0
  let header: string | undefined = csvLine(headers, headers.length)
  for (const record of records) {
    if (header !== undefined) {
      lines.push(header)
      header = undefined
    }
    const line = csvLine(record, headers.length)
    lines.push(line)
    size += line.length
    if (size >= CHUNK_CHARS) {
      yield `${lines.join('\n')}\n`
      lines = []
      size = 0
    }
  }
  yield lines.length > 0 ? `${lines.join('\n')}\n` : header === undefined ? '' : '\n'
}

const CHUNK_CHARS = 64 * 1024
const QUOTED_IF_PRESENT = /[,|\r\n]/

/** One record's fields, as many as there are headers (fast-csv padded and cut records to the header). */
function csvLine(record: readonly (string | number | null | undefined)[], width: number): string {
  let line = ''
  for (let index = 0; index < width; index++) {
    if (index > 0) line += ','
    line += csvField(record[index])
  }
  return line
}

function csvField(value: string | number | null | undefined): string {
  if (typeof value === 'number') return String(value)
  const raw = value ?? ''
  const text = raw.includes('\0') ? raw.replaceAll('\0', '') : raw
  if (text.includes('"')) return `"${text.replaceAll('"', '""')}"`
  return QUOTED_IF_PRESENT.test(text) ? `"${text}"` : text
}

/** Writes a CSV atomically (temp file + rename). Escape cells first (escapeCell). */
export async function writeCsvAtomic(path: string, headers: string[], records: Iterable<(string | number)[]>): Promise<void> {
  const target = await createAtomicWriteStream(path)
  try {
    for (const chunk of csvChunks(headers, records)) {
      // events.once rejects if the stream fails while waiting for room.
      if (!target.stream.write(chunk)) await once(target.stream, 'drain')
    }
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
  return [...csvChunks(headers, records)].join('')
}

/** The breakdown CSV as a string, for `--format csv` on stdout (small: top N + other). */
export function breakdownCsvString(dimension: CsvDimension, rows: Bucket[], withDollars: boolean): Promise<string> {
  return csvString(breakdownHeader(dimension, withDollars), rows.map((row) => breakdownRecord(dimension, row, withDollars)))
}
