/** Slices of the golden export and hand-made rows for the load tests. */
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {gunzipSync} from 'node:zlib'

import {USAGE_COLUMNS} from '../../src/core/usage-columns.js'
import {GOLDEN_EXPORT} from '../helpers/repo.js'

export interface Lines {
  header: string
  rows: string[]
}

export function goldenLines(): Lines {
  const lines = gunzipSync(readFileSync(GOLDEN_EXPORT)).toString('utf8').split('\n').filter((line) => line !== '')
  return {header: lines[0], rows: lines.slice(1)}
}

const column = (name: string) => USAGE_COLUMNS.indexOf(name as never)

/** A field of an unquoted golden row. */
export function field(row: string, name: string): string {
  return row.split(',')[column(name)]
}

export function writeCsv(path: string, lines: Lines): string {
  writeFileSync(path, [lines.header, ...lines.rows].join('\n') + '\n')
  return path
}

/** The golden rows whose JOB_RUN_DATE is within [first, last]. */
export function daysBetween(lines: Lines, first: string, last: string): Lines {
  return {header: lines.header, rows: lines.rows.filter((row) => field(row, 'JOB_RUN_DATE') >= first && field(row, 'JOB_RUN_DATE') <= last)}
}

/** `row` with some fields replaced (values written as CSV cells: quote them yourself). */
export function withFields(row: string, values: Record<string, string>): string {
  const fields = row.split(',')
  for (const [name, value] of Object.entries(values)) fields[column(name)] = value
  return fields.join(',')
}

/** RFC 4180 quoting. */
export function csvCell(value: string): string {
  return `"${value.replaceAll('"', '""')}"`
}

/** Exact sum of TOTAL_CREDITS in micro-credits (the export's decimals, never floats). */
export function sumMicroCredits(lines: Lines): bigint {
  return lines.rows.reduce((sum, row) => sum + microCredits(field(row, 'TOTAL_CREDITS')), 0n)
}

/** Micro-credits from a decimal text such as Postgres' or DuckDB's "532406.000000". */
export function microCredits(text: string): bigint {
  // The sign applies to the fraction too: -5.5 is -5,500,000 micro-credits, not -5 + 0.5.
  const negative = text.startsWith('-')
  const [whole, fraction = ''] = text.replace(/^-/, '').split('.')
  const magnitude = BigInt(whole) * 1_000_000n + BigInt((fraction + '000000').slice(0, 6))
  return negative ? -magnitude : magnitude
}

/** The export's null token as a CSV cell (backslash, backslash, N). */
export const NULL_CELL = '\\\\N'

/**
 * `<dir>/usage.csv` with the completed export-manifest.json that `export` leaves beside it, so that a load knows
 * the windows (by default one, the range [start, end)) and replaces the days they cover whole.
 */
export function writeExportFolder(dir: string, lines: Lines, range: {start: string; end: string}, windows: Array<{start: string; end: string}> = [range]): string {
  mkdirSync(dir, {recursive: true})
  const csv = writeCsv(join(dir, 'usage.csv'), lines)
  const manifest = {schemaVersion: 1, status: 'completed', rows: lines.rows.length, range, windows: windows.map((window) => ({...window, state: 'completed', parts: []}))}
  writeFileSync(join(dir, 'export-manifest.json'), JSON.stringify(manifest))
  return csv
}

/** A decimal credit value plus `micro` millionths, as exact text (the export's integers and decimals). */
export function plusMicro(value: string, micro: number): string {
  const total = microCredits(value) + BigInt(micro)
  return `${total / 1_000_000n}.${String(total % 1_000_000n).padStart(6, '0')}`
}

/**
 * The rows of an export of 2024-11-14 10:00 to 2024-11-16 10:00 (no manifest): the 14th and 16th in part, and
 * the 15th too (its rows can come with the 16th after 10:00), which a load without the window sees from the span
 * of the job starts.
 */
export function midDayExport(lines: Lines): Lines {
  return {
    header: lines.header,
    rows: lines.rows.filter((row) => {
      const started = field(row, 'JOB_RUN_STARTED_AT')
      return started >= '2024-11-14 10:00' && started <= '2024-11-16 10:00' && field(row, 'JOB_RUN_DATE') >= '2024-11-14'
    }),
  }
}

/** `lines` with the days up to 2024-11-11 moved to October (2024-10-10, 2024-10-11), so that a lake has two months. */
export function twoMonths(lines: Lines): Lines {
  return {
    header: lines.header,
    rows: lines.rows.map((row) => {
      const day = field(row, 'JOB_RUN_DATE')
      return day <= '2024-11-11' ? withFields(row, {JOB_RUN_DATE: day.replace('2024-11-', '2024-10-')}) : row
    }),
  }
}

/** `lines` with the first `count` rows of `day` that carry credits turned into rows without a JOB_ID (storage, say). */
export function withJoblessRows(lines: Lines, day: string, count: number): Lines {
  const chosen = new Set(lines.rows.filter((row) => field(row, 'JOB_RUN_DATE') === day && field(row, 'TOTAL_CREDITS') !== '0').slice(0, count))
  return {header: lines.header, rows: lines.rows.map((row) => (chosen.has(row) ? withFields(row, {JOB_ID: NULL_CELL, JOB_NAME: NULL_CELL}) : row))}
}

/** The golden export split at 2024-11-16 by job start, as two exports of these windows split it. */
export const EARLY_WINDOW = {start: '2024-11-10T00:00:00.000Z', end: '2024-11-16T00:00:00.000Z'}
export const LATE_WINDOW = {start: '2024-11-16T00:00:00.000Z', end: '2024-11-19T00:00:00.000Z'}

/**
 * The golden export with one job of a pipeline of the 12th rerun on the 17th: still dated the 12th (a day the
 * early window holds whole), it comes with the late window's export. `original` is that job's row as exported.
 */
export function withLateRerun(golden: Lines): {lines: Lines; original: string; rerun: string; early: Lines; late: Lines} {
  const index = golden.rows.findIndex((row) => field(row, 'JOB_RUN_DATE') === '2024-11-12' && field(row, 'TOTAL_CREDITS') !== '0')
  const original = golden.rows[index]
  const rerun = withFields(original, {JOB_RUN_QUEUED_AT: '2024-11-17 09:00:00.000', JOB_RUN_STARTED_AT: '2024-11-17 09:00:05.000', JOB_RUN_STOPPED_AT: '2024-11-17 09:10:05.000'})
  const rows = golden.rows.map((row, i) => (i === index ? rerun : row))
  const startedEarly = (row: string) => field(row, 'JOB_RUN_STARTED_AT') < LATE_WINDOW.start.slice(0, 10)
  return {
    lines: {header: golden.header, rows},
    original,
    rerun,
    early: {header: golden.header, rows: rows.filter(startedEarly)},
    late: {header: golden.header, rows: rows.filter((row) => !startedEarly(row))},
  }
}

/** A lake lock as a load writes it (the folder lock's content), held by `pid` on this host. */
export function lockHeldBy(pid: number): string {
  return JSON.stringify({pid, hostname: hostname(), command: 'load', startedAt: new Date().toISOString(), nonce: 'c0ffee'})
}
