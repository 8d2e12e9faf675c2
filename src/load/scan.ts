/**
 * The first, narrow pass of a load: DuckDB reads only the organization, day, job and credits of every input row
 * and decides what the load replaces (coverage.ts), which repeated rows it drops, and what it must end with
 * (rows, credits), before any target is touched. The connection it leaves open defines `load_rows`: every
 * column of exactly the rows to load, typed as the report reads them, for the Parquet and FOCUS writers.
 */
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {basename, dirname, join} from 'node:path'

import {sqlString} from '../analysis/columns.js'
import {createUsageView, openUsage, queryUsage, type UsageSource} from '../analysis/engine.js'
import {inspectInputFile, resolveInputPaths, type InputFile} from '../analysis/input-files.js'
import {InputFileError} from '../core/errors.js'
import {MANIFEST_FILE, type ExportManifest} from '../export/manifest.js'
import {wholeDays, type LoadWindow} from './coverage.js'

const LOAD_MEMORY_LIMIT = '600MB'

export interface ScanOptions {
  inputs: string[]
  /** The export window, when the caller knows it (`run`); otherwise read from an export manifest if any. */
  window?: LoadWindow | null
  log: (line: string) => void
}

export interface OrgDay {
  org: string
  day: string
}

export interface LoadPlan {
  source: UsageSource
  files: InputFile[]
  /** Rows the target must receive, per input file and in all. */
  rowsPerFile: number[]
  rows: number
  /** TOTAL_CREDITS of those rows, exact decimal text. */
  credits: string
  /** Rows dropped because a later input holds the same JOB_ID. */
  duplicatesDropped: number
  /** Rows of partly covered days without a JOB_ID: nothing identifies them for a later reload, so not loaded. */
  skipped: {rows: number; credits: string}
  wholeDays: string[]
  partialDays: string[]
  /** (organization, day) pairs replaced whole. */
  wholePairs: OrgDay[]
  /** JOB_IDs of the rows outside whole days: each replaces the row with the same JOB_ID. */
  edgeJobIds: string[]
  /** For each JOB_ID found in more than one input: the index of the input whose row is kept (the last). */
  keepFileOf: Map<string, number>
  /** Input files whose rows' whole days were decided without an export window. */
  withoutWindow: string[]
  close(): Promise<void>
}

type Row = Record<string, string | null>

async function rows(source: UsageSource, sql: string): Promise<Row[]> {
  return (await queryUsage(source, sql)).getRowObjectsJson() as Row[]
}

/** The window of `<dir>/usage.csv` from the export-manifest.json beside it, when that export completed. */
async function manifestWindow(path: string, fileRows: number): Promise<LoadWindow | null> {
  if (basename(path) !== 'usage.csv') return null
  const text = await readFile(join(dirname(path), MANIFEST_FILE), 'utf8').catch(() => null)
  if (text === null) return null
  try {
    const manifest = JSON.parse(text) as ExportManifest
    if (manifest.status !== 'completed' || (manifest.rows !== undefined && manifest.rows !== fileRows)) return null
    const start = new Date(manifest.range.start)
    const end = new Date(manifest.range.end)
    return Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) ? null : {start, end}
  } catch {
    return null
  }
}

export async function scanInputs(options: ScanOptions): Promise<LoadPlan> {
  const paths = await resolveInputPaths(options.inputs)
  const source = await openUsage(paths)
  // The scan's table lives in a DuckDB file, which DuckDB compresses; in memory it would crowd out the writers.
  const workDir = await mkdtemp(join(tmpdir(), 'cci-usage-load-'))
  const close = async () => {
    await source.close()
    await rm(workDir, {recursive: true, force: true})
  }
  try {
    await source.connection.run(`ATTACH ${sqlString(join(workDir, 'scan.duckdb'))} AS load_work`)
    // The report's 150 MB budget is too small for a Parquet writer buffering a row group of all 48 columns.
    await source.connection.run(`SET memory_limit = '${LOAD_MEMORY_LIMIT}'`)
    return {...(await plan(source, paths, options)), close}
  } catch (error) {
    await close()
    throw error
  }
}

async function plan(source: UsageSource, paths: string[], options: ScanOptions): Promise<Omit<LoadPlan, 'close'>> {
  const {connection} = source
  await connection.run("SET TimeZone = 'UTC'")
  const files = await Promise.all(paths.map((path) => inspectInputFile(path)))
  for (const [index, file] of files.entries()) await createUsageView(connection, `load_input_${index}`, [file])
  await connection.run(
    `CREATE OR REPLACE TEMP VIEW load_input AS ${files.map((_, index) => `SELECT *, ${index} AS _file FROM load_input_${index}`).join(' UNION ALL ')}`,
  )
  await queryUsage(
    source,
    'CREATE OR REPLACE TABLE load_work.load_scan AS SELECT _file, ORGANIZATION_ID AS org, JOB_RUN_DATE AS day, JOB_ID AS job, TOTAL_CREDITS AS credits FROM load_input',
  )
  await connection.run('CREATE OR REPLACE TEMP VIEW load_scan AS SELECT * FROM load_work.load_scan')

  const repeated = await rows(
    source,
    'SELECT job, count(*) AS n, count(DISTINCT _file) AS files, max(_file) AS keep FROM load_scan WHERE job IS NOT NULL GROUP BY job HAVING count(*) > 1',
  )
  const withinFile = repeated.find((row) => Number(row.n) > Number(row.files))
  if (withinFile) {
    const where = await rows(source, `SELECT _file, count(*) AS n FROM load_scan WHERE job = ${sqlString(String(withinFile.job))} GROUP BY _file HAVING count(*) > 1 LIMIT 1`)
    throw new InputFileError(
      'E_INPUT_DUPLICATE_JOB',
      `Input file ${paths[Number(where[0]?._file ?? 0)]} holds JOB_ID ${withinFile.job} more than once, which a usage export never does: re-export it.`,
    )
  }
  const keepFileOf = new Map(repeated.map((row) => [String(row.job), Number(row.keep)]))
  await connection.run('CREATE OR REPLACE TEMP TABLE load_keep (job VARCHAR, keep INTEGER)')
  if (repeated.length > 0) {
    await connection.run(
      "INSERT INTO load_keep SELECT job, max(_file) FROM load_scan WHERE job IS NOT NULL GROUP BY job HAVING count(*) > 1",
    )
  }

  const perFile = await rows(source, 'SELECT _file, count(*) AS n, list(DISTINCT CAST(day AS VARCHAR)) FILTER (WHERE day IS NOT NULL) AS days FROM load_scan GROUP BY _file')
  const whole = new Set<string>()
  const withoutWindow: string[] = []
  for (const [index, path] of paths.entries()) {
    const entry = perFile.find((row) => Number(row._file) === index)
    const days = (entry?.days as unknown as string[] | null) ?? []
    const window = options.window ?? (await manifestWindow(path, Number(entry?.n ?? 0)))
    if (!window && days.length > 0) withoutWindow.push(path)
    for (const day of wholeDays(days, window)) whole.add(day)
  }
  await connection.run('CREATE OR REPLACE TEMP TABLE load_whole_days (day DATE)')
  if (whole.size > 0) await connection.run(`INSERT INTO load_whole_days VALUES ${[...whole].map((day) => `(DATE ${sqlString(day)})`).join(', ')}`)

  // A row is kept when no later input holds its JOB_ID, and it is identifiable: on a whole day, or with a JOB_ID.
  const kept = (alias: string, job: string, org: string, day: string, file: string) => `
    LEFT JOIN load_keep k ON ${alias}.${job} = k.job
    WHERE (k.keep IS NULL OR k.keep = ${alias}.${file})
      AND (${alias}.${job} IS NOT NULL OR (${alias}.${org} IS NOT NULL AND ${alias}.${day} IN (SELECT day FROM load_whole_days)))`
  await connection.run(`CREATE OR REPLACE TEMP VIEW load_scan_kept AS SELECT s.*, (s.org IS NOT NULL AND s.day IN (SELECT day FROM load_whole_days)) AS whole FROM load_scan s ${kept('s', 'job', 'org', 'day', '_file')}`)

  const [totals] = await rows(
    source,
    `SELECT count(*) AS n, CAST(coalesce(sum(credits), 0) AS VARCHAR) AS credits,
       (SELECT count(*) FROM load_scan s JOIN load_keep k ON s.job = k.job AND s._file <> k.keep) AS dropped
     FROM load_scan_kept`,
  )
  const [skipped] = await rows(
    source,
    `SELECT count(*) AS n, CAST(coalesce(sum(credits), 0) AS VARCHAR) AS credits FROM load_scan s
     WHERE s.job IS NULL AND NOT (s.org IS NOT NULL AND s.day IN (SELECT day FROM load_whole_days))`,
  )
  // The writers' view of the rows to load: filtered only when something must be dropped, since a join or a
  // filter in front of the CSV reader slows the one full read of the export down.
  const identifiable = 'i.JOB_ID IS NOT NULL OR (i.ORGANIZATION_ID IS NOT NULL AND i.JOB_RUN_DATE IN (SELECT day FROM load_whole_days))'
  const rowsView =
    repeated.length > 0
      ? `SELECT i.* FROM load_input i ${kept('i', 'JOB_ID', 'ORGANIZATION_ID', 'JOB_RUN_DATE', '_file')}`
      : `SELECT i.* FROM load_input i${Number(skipped.n) > 0 ? ` WHERE ${identifiable}` : ''}`
  await connection.run(`CREATE OR REPLACE TEMP VIEW load_rows AS ${rowsView}`)
  const keptPerFile = await rows(source, 'SELECT _file, count(*) AS n FROM load_scan_kept GROUP BY _file')
  await connection.run('CREATE OR REPLACE TEMP TABLE load_whole_pairs AS SELECT DISTINCT org, day FROM load_scan_kept WHERE whole')
  await connection.run('CREATE OR REPLACE TEMP TABLE load_edge_jobs AS SELECT DISTINCT job FROM load_scan_kept WHERE NOT whole AND job IS NOT NULL')
  const wholePairs = (await rows(source, 'SELECT org, CAST(day AS VARCHAR) AS day FROM load_whole_pairs ORDER BY 1, 2')).map(
    (row) => ({org: String(row.org), day: String(row.day)}),
  )
  const edgeJobIds = (await rows(source, 'SELECT job FROM load_edge_jobs')).map((row) => String(row.job))
  const allDays = (await rows(source, 'SELECT DISTINCT CAST(day AS VARCHAR) AS day FROM load_scan WHERE day IS NOT NULL ORDER BY 1')).map((row) => String(row.day))

  return {
    source,
    files,
    rowsPerFile: paths.map((_, index) => Number(keptPerFile.find((row) => Number(row._file) === index)?.n ?? 0)),
    rows: Number(totals.n),
    credits: String(totals.credits),
    duplicatesDropped: Number(totals.dropped),
    skipped: {rows: Number(skipped.n), credits: String(skipped.credits)},
    wholeDays: allDays.filter((day) => whole.has(day)),
    partialDays: allDays.filter((day) => !whole.has(day)),
    wholePairs,
    edgeJobIds,
    keepFileOf,
    withoutWindow,
  }
}
