/**
 * The lake's one pass over the export: DuckDB reads every input row once and writes it, typed (columns.ts), as
 * zstd Parquet into a staging folder partitioned by input file and month. Everything after that reads the
 * staged Parquet, which is columnar and small: the plan (plan.ts: repeated JOB_IDs, whole days, credits), the
 * FOCUS rows, and, only when the plan drops rows, the rewrite of the staged files without them. Otherwise the
 * staged files are the lake's new files as they are (lake.ts renames them in).
 */
import {mkdir, readdir, rm} from 'node:fs/promises'
import {join} from 'node:path'

import type {DuckDBConnection} from '@duckdb/node-api'

import {shownValueSql, sqlIdent, sqlString} from '../analysis/columns.js'
import {INPUT_FILE_INDEX, openUsage, scanChecked, translateReadError} from '../analysis/engine.js'
import {inspectInputFile, resolveInputPaths} from '../analysis/input-files.js'
import {engineSettings, loadMemoryLimit, systemResources} from '../analysis/engine-settings.js'
import {note, phase} from '../analysis/profile.js'
import {manifestWindows} from '../export/manifest.js'
import {dialectType, MONTH_PARTITION, WAREHOUSE_COLUMNS} from './columns.js'
import type {LoadWindow} from './coverage.js'
import {dropsRows, keptRows, planLoad, SCAN_RELATION, type LoadPlan} from './plan.js'

/** The staged files' partition column naming the input file (its index in LoadPlan.files). */
export const INPUT_PARTITION = 'load_input'

/** Rows without a JOB_RUN_DATE go to `month=unknown`. */
export const UNKNOWN_MONTH = 'unknown'

/**
 * Parquet writing, measured on the 200 MB bench export (bench/load.js and throw-away probes, CPU seconds since
 * the machine was shared):
 * - zstd at DuckDB's default level (3): level 1 saved ~3 % CPU for a 3 % bigger lake, levels 6 and 9 cost
 *   25-45 % more CPU for a 2 % smaller one; snappy was 50 % bigger for no time saved.
 * - DICTIONARY_SIZE_LIMIT 10000 (DuckDB's default is a fifth of the row group, 24,576 values): columns with more
 *   distinct values per row group than that (ids, timestamps) are written plain, which zstd compresses better
 *   than their dictionary indexes (the lake 7 % smaller), for ~25 % less CPU in the writer (~18 % in the whole
 *   CSV-to-Parquet pass). Names (projects, branches, jobs, resource classes) stay dictionary-encoded.
 * - left as they are: row groups of 122,880 rows (1M rows: no smaller, 70 % more CPU), Bloom filters (3.5 % of
 *   the bytes, kept for readers' equality filters), Parquet format V1 (V2's encodings save 4 % but not every
 *   engine reads them).
 */
export const PARQUET_OPTIONS = 'FORMAT parquet, COMPRESSION zstd, DICTIONARY_SIZE_LIMIT 10000'

export interface StageOptions {
  inputs: string[]
  /** The export window, when the caller knows it (`run`); otherwise read from an export manifest if any. */
  window?: LoadWindow | null
  /** The staging folder (created; beside the target, so that its files can be renamed into it). */
  dir: string
  /**
   * The export columns to stage (under their warehouse names and types): all of them for the lake; FOCUS needs
   * fewer. Must include ORGANIZATION_ID, JOB_RUN_DATE, JOB_ID, TOTAL_CREDITS and JOB_RUN_STARTED_AT, which the
   * plan reads.
   */
  sourceColumns?: readonly string[]
  /** Columns staged besides those (SQL over the usage view, with their alias), e.g. for FOCUS. */
  extraColumns?: readonly string[]
}

export interface StagedLoad {
  plan: LoadPlan
  connection: DuckDBConnection
  /** Rows staged (all the input's rows; the plan's `rows` are those the load writes). */
  stagedRows: number
  /** The staged files of `month` (partition folder name, e.g. `month=2024-11`), in input order. */
  stagedFiles: Map<string, string[]>
  /**
   * Whether the staged files are the lake's new files as they are: nothing dropped, and every row in the folder of
   * its month (false when the expected month of a one-month export was not the month of every row).
   */
  publishable: boolean
  close(): Promise<void>
}

/** The lake's partition value of a DATE expression. */
const monthOf = (day: string) => `coalesce(strftime(${day}, '%Y-%m'), '${UNKNOWN_MONTH}')`

/**
 * The one month an export's rows are expected in, from its window: when the window lies within one calendar
 * month and starts after its first day. Such an export is staged as one file, without the partitioned writer,
 * which cost ~18 % more CPU and ~70 MB more memory on the 200 MB bench export. Rows can still lie outside the
 * window (JOB_RUN_DATE is the day the pipeline started, possibly days before), in which case the load rewrites
 * the staged rows by month (see `publishable`); a window starting on the 1st would make that the rule, since
 * pipelines started the evening before fall in the month before.
 */
export function expectedMonth(window: LoadWindow | null | undefined): string | null {
  if (!window) return null
  const first = window.start.toISOString().slice(0, 7)
  const last = new Date(window.end.getTime() - 1).toISOString().slice(0, 7)
  return first === last && window.start.getUTCDate() > 1 ? first : null
}

/** The staged rows as one relation with `load_input` and `month` columns (hive partitions). */
export function stagedRelation(dir: string): string {
  return `read_parquet(${sqlString(join(dir, `${INPUT_PARTITION}=*`, `${MONTH_PARTITION}=*`, '*.parquet'))}, hive_partitioning = true, hive_types = {${sqlString(INPUT_PARTITION)}: INTEGER, ${sqlString(MONTH_PARTITION)}: VARCHAR})`
}

/** Errors of the staging COPY: the input's fault (a value the types refuse, a malformed CSV) or not (disk, memory). */
function stageError(error: unknown, inputs: Parameters<typeof translateReadError>[1]): Error {
  if (/Conversion Error|CSV Error|Invalid Input Error/i.test(String(error))) return translateReadError(error, inputs)
  return error instanceof Error ? error : new Error(String(error))
}

export async function stageInputs(options: StageOptions): Promise<StagedLoad> {
  const paths = await resolveInputPaths(options.inputs)
  const files = await Promise.all(paths.map((path) => inspectInputFile(path)))
  const system = systemResources()
  const settings = engineSettings(process.env, system)
  const source = await openUsage(paths, {settings})
  const {connection} = source
  try {
    await connection.run("SET TimeZone = 'UTC'")
    const staging = loadMemoryLimit(settings, system)
    await connection.run(`SET memory_limit = ${sqlString(staging.memoryLimit)}`)
    note(`load: staging memory_limit ${staging.memoryLimit} (${staging.from})`)
    const staged = options.sourceColumns ? WAREHOUSE_COLUMNS.filter((column) => options.sourceColumns!.includes(column.source)) : WAREHOUSE_COLUMNS
    const rowColumns = [
      // Names are stored unescaped, as the report shows them (core/export-escapes.ts).
      ...staged.map((column) => `CAST(${shownValueSql(column.source)} AS ${dialectType('duckdb', column.type)}) AS ${sqlIdent(column.name)}`),
      ...(options.extraColumns ?? []),
    ]
    const columns = [...rowColumns, `${files.length > 1 ? INPUT_FILE_INDEX : '0'} AS ${INPUT_PARTITION}`, `${monthOf('JOB_RUN_DATE')} AS ${MONTH_PARTITION}`]
    const manifest = files.length === 1 && !options.window ? await manifestWindows(paths[0]) : null
    const oneMonth = files.length === 1 ? expectedMonth(options.window ?? (manifest?.windows.length === 1 ? manifest.windows[0] : null)) : null
    let copy = `COPY (SELECT ${columns.join(', ')} FROM ${source.view}) TO ${sqlString(options.dir)} (${PARQUET_OPTIONS}, PARTITION_BY (${INPUT_PARTITION}, ${MONTH_PARTITION}))`
    let folder = options.dir
    if (oneMonth !== null) {
      folder = join(options.dir, `${INPUT_PARTITION}=0`, `${MONTH_PARTITION}=${oneMonth}`)
      copy = `COPY (SELECT ${rowColumns.join(', ')} FROM ${source.view}) TO ${sqlString(join(folder, 'data_0.parquet'))} (${PARQUET_OPTIONS})`
    }
    const stage = async () => {
      // From an empty folder each time: a scan that failed on escaped names is run again (engine.ts).
      await rm(options.dir, {recursive: true, force: true})
      await mkdir(folder, {recursive: true})
      return connection.runAndReadAll(copy)
    }
    const {result} = await scanChecked(source, stage, stageError)
    const stagedRows = Number(result.getRowsJson()[0]?.[0] ?? 0)
    phase('load: staged')

    // `load_staged`: every staged row, with load_input and the month of its JOB_RUN_DATE (not of its folder, which
    // is only the expected month when one was) (an empty table of the same columns when there are no rows).
    await connection.run(
      stagedRows > 0
        ? `CREATE TEMP VIEW load_staged AS SELECT * EXCLUDE (${MONTH_PARTITION}), ${monthOf('job_run_date')} AS ${MONTH_PARTITION} FROM ${stagedRelation(options.dir)}`
        : `CREATE TEMP TABLE load_staged AS SELECT ${columns.join(', ')} FROM ${source.view} LIMIT 0`,
    )
    await connection.run(
      `CREATE TEMP VIEW ${SCAN_RELATION} AS SELECT ${INPUT_PARTITION} AS _file, organization_id AS org, job_run_date AS day, job_id AS job, total_credits AS credits, job_run_started_at AS started FROM load_staged`,
    )
    const plan = await planLoad(connection, files, options.window)
    phase('load: planned')
    if (plan.rows + plan.duplicatesDropped + plan.skipped.rows !== stagedRows) {
      throw new Error(`the load's plan accounts for ${plan.rows} + ${plan.duplicatesDropped} + ${plan.skipped.rows} rows of the ${stagedRows} staged; nothing was written`)
    }
    // `load_rows`: the rows the load writes.
    const filter = dropsRows(plan) ? ` ${keptRows('r', {job: 'job_id', org: 'organization_id', day: 'job_run_date', file: INPUT_PARTITION}, plan.keepFileOf.size > 0, plan.joblessKeep.length > 0)}` : ''
    await connection.run(`CREATE TEMP VIEW load_rows AS SELECT r.* FROM load_staged r${filter}`)
    const [strays] = (
      await connection.runAndReadAll(oneMonth === null ? 'SELECT 0 AS n' : `SELECT count(*) AS n FROM load_groups WHERE ${monthOf('day')} <> ${sqlString(oneMonth)}`)
    ).getRowObjectsJson()
    return {
      plan,
      connection,
      stagedRows,
      stagedFiles: stagedRows > 0 ? await listStaged(options.dir, files.length) : new Map(),
      publishable: Number(strays.n) === 0 && !dropsRows(plan),
      close: () => source.close(),
    }
  } catch (error) {
    await source.close()
    throw error
  }
}

/** The staged Parquet files per month folder, in input order. */
async function listStaged(dir: string, inputs: number): Promise<Map<string, string[]>> {
  const byMonth = new Map<string, string[]>()
  for (let index = 0; index < inputs; index++) {
    const inputDir = join(dir, `${INPUT_PARTITION}=${index}`)
    for (const month of (await readdir(inputDir).catch(() => [] as string[])).sort()) {
      const names = (await readdir(join(inputDir, month))).filter((name) => name.endsWith('.parquet')).sort()
      byMonth.set(month, [...(byMonth.get(month) ?? []), ...names.map((name) => join(inputDir, month, name))])
    }
  }
  return byMonth
}
