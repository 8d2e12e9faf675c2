/**
 * What a load replaces and what it must end with, decided before any target is touched, from `load_scan`: one
 * row per input row with its input file's index (`_file`), organization (`org`), day, job and credits. The
 * Postgres path fills `load_scan` with a narrow scan of the CSV (scan.ts); the lake path reads it from the
 * Parquet files it staged in its one pass over the CSV (stage.ts).
 *
 * The rules: a JOB_ID found in several inputs is kept from the last of them (a later export is the newer); the
 * days an input holds whole (coverage.ts) are replaced per organization and day, by that input's rows only (a
 * day another input holds whole says nothing of this one's rows of it), sparing jobs that started after the
 * windows that hold the day (replacedOnWholeDay); any other row replaces only the
 * row with its JOB_ID, so a row without a JOB_ID outside the whole days cannot be replaced by a later load and is
 * not loaded (counted in `skipped`).
 */

import type {DuckDBConnection} from '@duckdb/node-api'

import {sqlString} from '../analysis/columns.js'
import type {InputFile} from '../analysis/input-files.js'
import {InputFileError} from '../core/errors.js'
import {manifestWindows} from '../export/manifest.js'
import {wholeDays, type LoadWindow} from './coverage.js'

/**
 * The relation a plan is computed from: `_file` INTEGER, `org` VARCHAR, `day` DATE, `job` VARCHAR, `credits`
 * DECIMAL, `started` TIMESTAMP (JOB_RUN_STARTED_AT, for the window of an input without a known one).
 */
export const SCAN_RELATION = 'load_scan'

export interface OrgDay {
  org: string
  day: string
}

export interface LoadPlan {
  files: InputFile[]
  /** Rows the target must receive, per input file and in all. */
  rowsPerFile: number[]
  rows: number
  /** TOTAL_CREDITS of those rows, exact decimal text. */
  credits: string
  /** Rows dropped because a later input holds the same JOB_ID, or (without a JOB_ID) holds their day whole too. */
  duplicatesDropped: number
  /** Rows of partly covered days without a JOB_ID: nothing identifies them for a later reload, so not loaded. */
  skipped: {rows: number; credits: string}
  /** Days some input replaces whole, and the others. */
  wholeDays: string[]
  partialDays: string[]
  /** Per input file: the days it holds whole (its rows of other days are replaced by JOB_ID). */
  wholeDaysByFile: string[][]
  /**
   * (organization, day) pairs replaced whole, with the latest end (ISO, inclusive) of the windows that hold the
   * day whole: a row of that day with a JOB_ID the input lacks, started after it, came with a later export and
   * stays. Also the temp table `load_whole_pairs` (org, day, window_end_ms).
   */
  wholePairs: Array<OrgDay & {windowEnd: string}>
  /** For each JOB_ID found in more than one input: the index of the input whose row is kept (the last). */
  keepFileOf: Map<string, number>
  /**
   * (organization, day) pairs that several inputs hold whole, with the input whose rows without a JOB_ID are kept
   * (the one whose window holding the day ends last); also the temp table `load_jobless_keep` (org, day, keep).
   */
  joblessKeep: Array<OrgDay & {keep: number}>
  /** Input files whose rows' whole days were decided without an export window. */
  withoutWindow: string[]
  /** The longest value (in characters) of each text column the scan was asked to measure (UPPER_CASE name). */
  textLengths?: ReadonlyMap<string, number>
}

/** The columns of a relation that `keptRows` filters: its job, organization, day and input index. */
export interface RowKeys {
  job: string
  org: string
  day: string
  file: string
}

/**
 * Whether a target row of a replaced (org, day) pair `p` (of `load_whole_pairs`) is removed by the replace: every
 * row without a JOB_ID (nothing else could replace it), and a row with one unless it started after the windows
 * that hold the day (it came with a later export; were it in this input too, its JOB_ID is in `load_edge_jobs`).
 * `started` is the row's start (a DuckDB timestamp with or without time zone, compared as epoch milliseconds
 * with `windowEnd`, or, for Postgres, `windowEnd` is a timestamptz).
 */
export function replacedOnWholeDay(job: string, started: string, windowEnd: string, dialect: 'duckdb' | 'postgres' = 'duckdb'): string {
  // Milliseconds on both sides, as DuckDB's epoch_ms and the window ends have them; the cast serves a hand-made
  // table that keeps the start as text.
  const notAfter = dialect === 'duckdb' ? `epoch_ms(${started}) <= ${windowEnd}` : `date_trunc('milliseconds', CAST(${started} AS timestamptz)) <= ${windowEnd}`
  return `(${job} IS NULL OR ${started} IS NULL OR ${notAfter})`
}

/** Whether `alias`'s row lies on a day its own input holds whole (needs `load_whole_days`); never NULL. */
function onWholeDay(alias: string, keys: Pick<RowKeys, 'org' | 'day' | 'file'>): string {
  return `(${alias}.${keys.org} IS NOT NULL AND ${alias}.${keys.day} IS NOT NULL AND (${alias}.${keys.file}, ${alias}.${keys.day}) IN (SELECT _file, day FROM load_whole_days))`
}

/**
 * The JOIN and WHERE that keep, of `alias`'s rows, exactly those a load writes: no later input holds their
 * JOB_ID, and they are identifiable (a JOB_ID, or an organization on a whole day). Needs the plan's temp tables;
 * `repeats` false (no JOB_ID in two inputs) leaves out the join.
 */
export function keptRows(alias: string, keys: RowKeys, repeats = true, joblessRepeats = false): string {
  // Rows without a JOB_ID cannot be matched across inputs: on a day several inputs hold whole, only one input's
  // are kept (load_jobless_keep), as a later load of that day would replace an earlier one's.
  const notRepeated = joblessRepeats
    ? ` AND NOT EXISTS (SELECT 1 FROM load_jobless_keep jk WHERE jk.org = ${alias}.${keys.org} AND jk.day = ${alias}.${keys.day} AND jk.keep <> ${alias}.${keys.file})`
    : ''
  const identifiable = `(${alias}.${keys.job} IS NOT NULL OR (${onWholeDay(alias, keys)}${notRepeated}))`
  if (!repeats) return `WHERE ${identifiable}`
  return `
    LEFT JOIN load_keep k ON ${alias}.${keys.job} = k.job
    WHERE (k.keep IS NULL OR k.keep = ${alias}.${keys.file}) AND ${identifiable}`
}

type Row = Record<string, string | null>

async function rows(connection: DuckDBConnection, sql: string): Promise<Row[]> {
  return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Row[]
}

/** The manifest's windows, when it describes this very file (the same number of rows). */
async function verifiedManifestWindows(path: string, fileRows: number): Promise<LoadWindow[] | null> {
  const found = await manifestWindows(path)
  return found && (found.rows === undefined || found.rows === fileRows) ? found.windows : null
}

/**
 * Computes the plan from SCAN_RELATION and leaves its temp tables (load_keep, load_whole_days, load_whole_pairs,
 * load_edge_jobs) on `connection` for keptRows and the writers' deletes. Two passes over the rows' keys (a small
 * group-by of files, days and organizations, and the JOB_IDs found twice), a third for the JOB_IDs outside whole
 * days when there are any, a fourth for the pairs when JOB_IDs repeat and one for the job starts of the inputs
 * without a known window; the rest works on small results.
 */
export async function planLoad(connection: DuckDBConnection, files: InputFile[], window: LoadWindow | null | undefined): Promise<LoadPlan> {
  const paths = files.map((file) => file.path)
  const scan = SCAN_RELATION
  const keys: RowKeys = {job: 'job', org: 'org', day: 'day', file: '_file'}
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE load_groups AS SELECT _file, day, org, job IS NULL AS no_job, count(*) AS n, sum(credits) AS credits FROM ${scan} GROUP BY ALL`,
  )
  // JOB_IDs found more than once, and the input whose row is kept (the last). A repeat within one input is an
  // error; with one input every repeat is, otherwise only the few JOB_IDs found twice are counted per input
  // (count(DISTINCT _file) over every JOB_ID doubled the cost of this, the plan's dearest query).
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE load_keep AS SELECT job, count(*) AS n, max(_file) AS keep FROM ${scan} WHERE job IS NOT NULL GROUP BY job HAVING count(*) > 1`,
  )
  const [withinFile] = await rows(
    connection,
    files.length === 1
      ? 'SELECT job FROM load_keep LIMIT 1'
      : `SELECT s.job FROM ${scan} s JOIN load_keep k ON s.job = k.job GROUP BY s.job HAVING count(*) > count(DISTINCT s._file) LIMIT 1`,
  )
  if (withinFile) {
    const where = await rows(connection, `SELECT _file, count(*) AS n FROM ${scan} WHERE job = ${sqlString(String(withinFile.job))} GROUP BY _file HAVING count(*) > 1 LIMIT 1`)
    throw new InputFileError(
      'E_INPUT_DUPLICATE_JOB',
      `Input file ${paths[Number(where[0]?._file ?? 0)]} holds JOB_ID ${withinFile.job} more than once, which a usage export never does: re-export it.`,
    )
  }
  const keepFileOf = new Map((await rows(connection, 'SELECT job, keep FROM load_keep')).map((row) => [String(row.job), Number(row.keep)]))
  const repeats = keepFileOf.size > 0

  const perFile = await rows(connection, 'SELECT _file, sum(n) AS n, list(DISTINCT CAST(day AS VARCHAR)) FILTER (WHERE day IS NOT NULL) AS days FROM load_groups GROUP BY _file')
  const fileWindows: Array<LoadWindow[] | null> = []
  for (const [index, path] of paths.entries()) {
    const entry = perFile.find((row) => Number(row._file) === index)
    fileWindows.push(window ? [window] : await verifiedManifestWindows(path, Number(entry?.n ?? 0)))
  }
  // One more pass, only when an input has no known window: the span of its job starts stands in for it.
  const unknown = [...fileWindows.keys()].filter((index) => fileWindows[index] === null)
  const started =
    unknown.length === 0
      ? []
      : await rows(
          connection,
          `SELECT _file, epoch_ms(min(started)) AS first, epoch_ms(max(started)) AS last FROM ${scan} WHERE _file IN (${unknown.join(', ')}) AND started IS NOT NULL GROUP BY _file`,
        )
  const wholeByFile: Array<Array<{day: string; windowEnd: Date}>> = []
  const withoutWindow: string[] = []
  for (const [index, path] of paths.entries()) {
    const days = (perFile.find((row) => Number(row._file) === index)?.days as unknown as string[] | null) ?? []
    let windows = fileWindows[index]
    if (!windows) {
      if (days.length > 0) withoutWindow.push(path)
      const span = started.find((row) => Number(row._file) === index)
      windows = span ? [{start: new Date(Number(span.first)), end: new Date(Number(span.last))}] : []
    }
    wholeByFile.push(wholeDays(days, windows))
  }
  const whole = new Set(wholeByFile.flat().map((entry) => entry.day))
  const wholeValues = wholeByFile.flatMap((days, index) => days.map((entry) => `(${index}, DATE ${sqlString(entry.day)}, ${entry.windowEnd.getTime()})`))
  await connection.run('CREATE OR REPLACE TEMP TABLE load_whole_days (_file INTEGER, day DATE, window_end_ms BIGINT)')
  if (wholeValues.length > 0) await connection.run(`INSERT INTO load_whole_days VALUES ${wholeValues.join(', ')}`)

  // Per file: all rows, the unidentifiable ones (skipped), the ones a later input repeats (dropped).
  const skippedRows = `no_job AND NOT ${onWholeDay('load_groups', keys)}`
  await connection.run(
    // The input whose window holding the day ends last holds the most of it (a later input may end earlier).
    `CREATE OR REPLACE TEMP TABLE load_jobless_keep AS SELECT g.org, g.day, first(g._file ORDER BY w.window_end_ms DESC, g._file DESC) AS keep
     FROM load_groups g JOIN load_whole_days w ON w._file = g._file AND w.day = g.day
     WHERE g.no_job AND ${onWholeDay('g', keys)} GROUP BY g.org, g.day HAVING count(DISTINCT g._file) > 1`,
  )
  const joblessKeep = (await rows(connection, 'SELECT org, CAST(day AS VARCHAR) AS day, keep FROM load_jobless_keep ORDER BY 1, 2')).map((row) => ({
    org: String(row.org),
    day: String(row.day),
    keep: Number(row.keep),
  }))
  const droppedJobs = repeats
    ? `SELECT s._file, count(*) AS n, sum(s.credits) AS credits FROM ${scan} s JOIN load_keep k ON s.job = k.job AND s._file <> k.keep GROUP BY s._file`
    : 'SELECT 0 AS _file, 0 AS n, 0 AS credits WHERE false'
  const droppedJobless =
    joblessKeep.length > 0
      ? `SELECT g._file, sum(g.n) AS n, sum(g.credits) AS credits FROM load_groups g JOIN load_jobless_keep jk ON g.org = jk.org AND g.day = jk.day AND g._file <> jk.keep WHERE g.no_job AND ${onWholeDay('g', keys)} GROUP BY g._file`
      : 'SELECT 0 AS _file, 0 AS n, 0 AS credits WHERE false'
  const dropped = `SELECT _file, sum(n) AS n, sum(credits) AS credits FROM (${droppedJobs} UNION ALL ${droppedJobless}) GROUP BY _file`
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE load_file_counts AS
     WITH everything AS (SELECT _file, sum(n) AS n, sum(credits) AS credits FROM load_groups GROUP BY _file),
       skipped AS (SELECT _file, sum(n) AS n, sum(credits) AS credits FROM load_groups WHERE ${skippedRows} GROUP BY _file),
       dropped AS (${dropped})
     SELECT e._file, e.n AS rows, e.credits, coalesce(s.n, 0) AS skipped, coalesce(s.credits, 0) AS skipped_credits,
       coalesce(d.n, 0) AS dropped, coalesce(d.credits, 0) AS dropped_credits
     FROM everything e LEFT JOIN skipped s USING (_file) LEFT JOIN dropped d USING (_file)`,
  )
  const [totals] = await rows(
    connection,
    `SELECT sum(rows - skipped - dropped) AS n, CAST(coalesce(sum(credits - skipped_credits - dropped_credits), 0) AS VARCHAR) AS credits,
       sum(dropped) AS dropped, sum(skipped) AS skipped, CAST(coalesce(sum(skipped_credits), 0) AS VARCHAR) AS skipped_credits
     FROM load_file_counts`,
  )
  const keptPerFile = await rows(connection, 'SELECT _file, rows - skipped - dropped AS n FROM load_file_counts')

  // Without repeats every row on a whole day is kept, so the groups give the pairs; rows with a JOB_ID outside
  // whole days (absent when the window covers every day present) need their JOB_IDs, so one more pass.
  const kept = keptRows('s', keys, repeats, joblessKeep.length > 0)
  // The latest window end of the inputs that hold the pair whole: a row started before it would be in one of them.
  const holding = (alias: string) => `JOIN load_whole_days w ON w._file = ${alias}._file AND w.day = ${alias}.day`
  await connection.run(
    repeats
      ? `CREATE OR REPLACE TEMP TABLE load_whole_pairs AS SELECT s.org, s.day, max(w.window_end_ms) AS window_end_ms FROM ${scan} s ${holding('s')} ${kept} AND ${onWholeDay('s', keys)} GROUP BY s.org, s.day`
      : `CREATE OR REPLACE TEMP TABLE load_whole_pairs AS SELECT g.org, g.day, max(w.window_end_ms) AS window_end_ms FROM load_groups g ${holding('g')} WHERE ${onWholeDay('g', keys)} GROUP BY g.org, g.day`,
  )
  const wholePairs = (await rows(connection, 'SELECT org, CAST(day AS VARCHAR) AS day, window_end_ms FROM load_whole_pairs ORDER BY 1, 2')).map(
    (row) => ({org: String(row.org), day: String(row.day), windowEnd: new Date(Number(row.window_end_ms)).toISOString()}),
  )
  // A row on a whole day has its pair (made of those rows). One started after the pair's window, or without a
  // start, replaces by JOB_ID: the target may hold the same job spared by the whole-day replace (its start after it).
  const [edges] = await rows(connection, `SELECT count(*) AS n FROM load_groups g WHERE NOT g.no_job AND NOT ${onWholeDay('g', keys)}`)
  await connection.run(
    Number(edges.n) > 0 || wholePairs.length > 0
      ? `CREATE OR REPLACE TEMP TABLE load_edge_jobs AS SELECT DISTINCT s.job FROM ${scan} s LEFT JOIN load_whole_pairs p ON p.org = s.org AND p.day = s.day
         ${kept} AND s.job IS NOT NULL AND (NOT ${onWholeDay('s', keys)} OR s.started IS NULL OR epoch_ms(s.started) > p.window_end_ms)`
      : 'CREATE OR REPLACE TEMP TABLE load_edge_jobs (job VARCHAR)',
  )
  const allDays = (await rows(connection, 'SELECT DISTINCT CAST(day AS VARCHAR) AS day FROM load_groups WHERE day IS NOT NULL ORDER BY 1')).map((row) => String(row.day))

  return {
    files,
    rowsPerFile: paths.map((_, index) => Number(keptPerFile.find((row) => Number(row._file) === index)?.n ?? 0)),
    rows: Number(totals.n ?? 0),
    credits: String(totals.credits),
    duplicatesDropped: Number(totals.dropped ?? 0),
    skipped: {rows: Number(totals.skipped ?? 0), credits: String(totals.skipped_credits)},
    wholeDays: allDays.filter((day) => whole.has(day)),
    partialDays: allDays.filter((day) => !whole.has(day)),
    wholeDaysByFile: wholeByFile.map((days) => days.map((entry) => entry.day)),
    wholePairs,
    keepFileOf,
    joblessKeep,
    withoutWindow,
  }
}

/**
 * The JOB_IDs of `load_edge_jobs`: the rows outside whole days, and those on whole days started after the window's
 * end (which the whole-day replace spares); each replaces the target's row with the same JOB_ID. Read into
 * JavaScript only by the Postgres load, which sends them with its DELETE: the lake and FOCUS filter on the temp
 * table in DuckDB, and reading ~220,000 ids they never use cost ~0.3 s of the 1 GB bench load.
 */
export async function readEdgeJobIds(connection: DuckDBConnection): Promise<string[]> {
  return (await rows(connection, 'SELECT job FROM load_edge_jobs')).map((row) => String(row.job))
}

/** Whether the plan drops any of the input's rows (so the rows written are a subset of the rows read). */
export function dropsRows(plan: LoadPlan): boolean {
  return plan.duplicatesDropped > 0 || plan.skipped.rows > 0
}
