/**
 * CircleCI writes the export unquoted and escapes with a backslash what would end a field or a row, and a
 * backslash itself (core/export-escapes.ts): a job `build (x86, linux)` arrives as `build (x86\, linux)`, a branch
 * `fix\path` as `fix\\path`. Before, the report refused such a file ("expected 48 fields but found 49"), so one
 * matrix job named with a comma stopped every weekly run, and it showed a name with a backslash doubled.
 */
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'

import type {Summary} from '../../src/analysis/summary.js'
import {runCli} from '../helpers/cli.js'
import {field, goldenLines, sumMicroCredits, withFields, writeCsv, type Lines} from '../load/fixtures.js'
import {lakeGlob, lakeTestFolder, lakeTotals, query} from '../load/lake-read.js'

const {maybe, fresh, inWork} = lakeTestFolder('the escaped-name tests', 'cci-usage-escapes-')
const B = '\\'
const GOLDEN_CREDITS = 532_406_000_000n

/** The golden export with escaped names on three rows with a job, and the names they stand for. */
function escapedExport(): {lines: Lines; jobIds: string[]; originals: string[]} {
  const golden = goldenLines()
  const withJob = golden.rows.map((row, index) => [row, index] as const).filter(([row]) => field(row, 'JOB_NAME') !== `${B}${B}N`)
  const [a, b, c] = withJob.map(([, index]) => index)
  const rows = [...golden.rows]
  rows[a] = withFields(rows[a], {JOB_NAME: `build (x86${B}, linux)`})
  rows[b] = withFields(rows[b], {VCS_BRANCH: `fix${B}${B}path`, WORKFLOW_NAME: `deploy${B}, eu`})
  rows[c] = withFields(rows[c], {JOB_NAME: `line${B}\nbreak`})
  return {lines: {header: golden.header, rows}, jobIds: [a, b, c].map((index) => field(golden.rows[index], 'JOB_ID')), originals: [a, b, c].map((index) => golden.rows[index])}
}

async function report(inputs: string[], extra: string[] = []): Promise<{summary: Summary; byJob: string; stderr: string; code: number}> {
  const out = fresh('report')
  const result = await runCli(['report', ...inputs.flatMap((input) => ['--input', input]), '--out', out, ...extra])
  const summary = result.code === 0 ? (JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary) : ({} as Summary)
  const byJob = result.code === 0 ? readFileSync(join(out, 'by-job.csv'), 'utf8') : ''
  return {summary, byJob, stderr: result.stderr, code: result.code ?? -1}
}

describe('names with the export escapes', () => {
  maybe('the report reads every row, every credit once, and shows the names unescaped', async () => {
    const {lines} = escapedExport()
    const file = writeCsv(inWork('escaped.csv'), lines)
    const {summary, byJob, stderr, code} = await report([file])
    expect(stderr).not.toMatch(/^Error/m)
    expect(code).toBe(0)
    expect(summary.totals.rows).toBe(1260)
    expect(BigInt(Math.round(summary.totals.credits.total! * 1e6))).toBe(GOLDEN_CREDITS)
    const names = summary.health!.jobs.map((job) => [job.workflow, job.job])
    expect(names.map(([, job]) => job)).toEqual(expect.arrayContaining(['build (x86, linux)', 'line\nbreak']))
    expect(names.map(([workflow]) => workflow)).toContain('deploy, eu')
    expect(JSON.stringify(summary)).not.toContain(`x86${B}${B},`)
    expect(byJob).toContain('"build (x86, linux)"')
  })

  maybe('a branch filter matches the unescaped name: the one row on fix\\path', async () => {
    const {lines, originals} = escapedExport()
    const file = writeCsv(inWork('escaped-branch.csv'), lines)
    // The row as golden has it: its escaped names have a comma the fixtures' plain split would count.
    const row = originals[1]
    const {summary, code} = await report([file], ['--branch', `fix${B}path`])
    expect(code).toBe(0)
    expect(summary.totals.rows).toBe(1)
    expect(BigInt(Math.round(summary.totals.credits.total! * 1e6))).toBe(sumMicroCredits({header: lines.header, rows: [row]}))
  })

  maybe('gzip and two inputs give the same figures as the plain file', async () => {
    const {lines} = escapedExport()
    const plain = writeCsv(inWork('escaped-plain.csv'), lines)
    const gz = inWork('escaped.csv.gz')
    writeFileSync(gz, gzipSync(readFileSync(plain)))
    const half = Math.floor(lines.rows.length / 2)
    const first = writeCsv(inWork('escaped-1.csv'), {header: lines.header, rows: lines.rows.slice(0, half)})
    const second = writeCsv(inWork('escaped-2.csv'), {header: lines.header, rows: lines.rows.slice(half)})
    const whole = await report([plain])
    for (const inputs of [[gz], [first, second]]) {
      const other = await report(inputs)
      expect(other.code).toBe(0)
      expect(other.summary.totals).toEqual(whole.summary.totals)
      expect(other.summary.health!.jobs).toEqual(whole.summary.health!.jobs)
      expect(other.byJob).toBe(whole.byJob)
    }
  })

  const crCases: Array<[string, (lines: string[]) => string[], string, string]> = [
    // What an export delimited by LF writes for a name holding CR LF: only the LF is escaped.
    ['a name holding CR LF', (lines) => lines, `cr\r${B}\nlf`, 'cr\r\nlf'],
    // A file re-saved with CRLF line ends: the escaped line break is a backslash before CR LF.
    ['a file with CRLF line ends', (lines) => lines.map((line) => line.replaceAll('\n', '\r\n')), `line${B}\nbreak`, 'line\r\nbreak'],
    // A lone CR is no line break to the export, so it is written bare; the merge keeps it as a byte of the name.
    ['a name holding a lone CR', (lines) => lines, 'lone\rcr', 'lone\rcr'],
  ]
  for (const [name, lineEnds, written, shown] of crCases) maybe(`a CR in a name (${name}) is read, every row once, under its unescaped name`, async () => {
    const golden = goldenLines()
    const index = golden.rows.findIndex((row) => field(row, 'JOB_NAME') !== `${B}${B}N` && Number(field(row, 'TOTAL_CREDITS')) > 0)
    const rows = [...golden.rows]
    rows[index] = withFields(rows[index], {JOB_NAME: written})
    const file = inWork(`escaped-cr-${index}-${shown.length}.csv`)
    writeFileSync(file, lineEnds([golden.header, ...rows].map((row) => `${row}\n`)).join(''))
    const {summary, stderr, code} = await report([file], ['--top', '10000'])
    expect(stderr).not.toMatch(/^Error/m)
    expect(code).toBe(0)
    expect(summary.totals.rows).toBe(1260)
    expect(BigInt(Math.round(summary.totals.credits.total! * 1e6))).toBe(GOLDEN_CREDITS)
    const job = summary.breakdowns.job.filter((bucket) => bucket.dims.job === shown)
    expect(job.reduce((sum, bucket) => sum + bucket.credits, 0)).toBe(Number(field(golden.rows[index], 'TOTAL_CREDITS')))
  })

  maybe('a row damaged besides is still refused, naming the user file and line, never the quoted copy', async () => {
    const {lines} = escapedExport()
    const rows = [...lines.rows]
    rows[9] = rows[9].split(',').slice(0, 40).join(',')
    const file = writeCsv(inWork('escaped-damaged.csv'), {header: lines.header, rows})
    const {stderr, code} = await report([file])
    expect(code).toBe(2)
    expect(stderr).toContain(`Input file ${file}, line`)
    expect(stderr).not.toMatch(/escaped-\d+\.csv|cci-usage-duckdb/)
  })

  maybe('the Parquet lake stores the names unescaped', async () => {
    const {lines, jobIds} = escapedExport()
    const file = writeCsv(inWork('escaped-lake.csv'), lines)
    const dir = fresh('lake')
    const result = await runCli(['load', '--input', file, '--to', `parquet:${dir}`])
    expect(result.stderr).not.toMatch(/^Error/m)
    expect(result.code).toBe(0)
    expect(await lakeTotals(dir)).toEqual({rows: 1260, credits: GOLDEN_CREDITS, jobs: 1260})
    const stored = await query(`SELECT job_id, job_name, workflow_name, vcs_branch FROM ${lakeGlob(dir)} WHERE job_id IN (${jobIds.map((id) => `'${id}'`).join(', ')}) ORDER BY job_id`)
    const byId = new Map(stored.map((row) => [row.job_id, row]))
    expect(byId.get(jobIds[0])?.job_name).toBe('build (x86, linux)')
    expect(byId.get(jobIds[1])?.vcs_branch).toBe(`fix${B}path`)
    expect(byId.get(jobIds[1])?.workflow_name).toBe('deploy, eu')
    expect(byId.get(jobIds[2])?.job_name).toBe('line\nbreak')
  })
})
