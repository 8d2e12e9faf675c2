import {join} from 'node:path'

import type {DuckDBConnection} from '@duckdb/node-api'

import {holdsEscapeSql, NAME_COLUMNS} from '../core/export-escapes.js'
import {fileSystemError} from '../core/fs-errors.js'
import {CREDIT_TYPE, EXPORT_COLUMNS, shownValueSql, sqlIdent, sqlString} from './columns.js'
import {INPUT_FILE_INDEX, openedSource, PARSED_VIEW, scanChecked, type UsageSource} from './engine.js'
import {repeatedContent} from './input-check.js'

// The work database is private and deleted on close, so it may use the newest storage format: its string
// compression (dictionary + FSST together) cost ~0.5 CPU-second less to write on the 1 GB bench export than the
// default format's (which older DuckDB versions can read), and the file is smaller and faster to read back.
const WORK_STORAGE_VERSION = 'v1.5.0'
// Half DuckDB's default: each scanning thread fills a row group of every column before compressing it, and
// halving them lowered the scan's peak RSS by ~30 MB on 1 GB at the same CPU time.
const WORK_ROW_GROUP_SIZE = 61440

/**
 * The columns of `report_rows`: what the report's cube and the savings rules read. Credits are stored in the
 * 64-bit type they were parsed as (OTHER_CREDITS, a sum of columns, keeps the wide type): the cube over a
 * 128-bit copy ran out of DuckDB's memory limit here. Add a column here before querying it from report_rows.
 */
export const REPORT_ROW_COLUMNS: ReadonlyArray<readonly [name: string, sql: string]> = [
  ...[
    'ORGANIZATION_ID', 'ORGANIZATION_NAME', 'PROJECT_NAME', 'WORKFLOW_NAME', 'JOB_NAME', 'VCS_BRANCH', 'RESOURCE_CLASS', 'EXECUTOR',
    'JOB_RUN_DATE', 'JOB_BUILD_STATUS', 'JOB_RUN_SECONDS', 'MEDIAN_CPU_UTILIZATION_PCT', 'MAX_CPU_UTILIZATION_PCT',
    'MEDIAN_RAM_UTILIZATION_PCT', 'MAX_RAM_UTILIZATION_PCT', 'OTHER_CREDITS',
  ].map((name) => [name, sqlIdent(name)] as const),
  // Read from PARSED_VIEW, where they already have that type.
  ...EXPORT_COLUMNS.filter(([, type]) => type === CREDIT_TYPE).map(([name]) => [name, sqlIdent(name)] as const),
]

export const REPORT_ROWS = 'report_rows'

/** The table behind `report_rows`: with `keepUnfiltered`, every row of the export (the history stores them all). */
export const REPORT_ROWS_TABLE = `work.${REPORT_ROWS}`

export interface MaterializeOptions {
  /** Columns beyond REPORT_ROW_COLUMNS (e.g. the health section's), as [name, SQL over the view]. */
  extraColumns?: ReadonlyArray<readonly [name: string, sql: string]>
  /**
   * Keep every row in the table and apply the filter in the `report_rows` view only: a history must hold the
   * organization's whole usage whatever the report shows.
   */
  keepUnfiltered?: boolean
}

/** An input left out: the same file as an earlier one, or the same content (a copy, the .csv of a .csv.gz). */
export interface SkippedInput {
  path: string
  reason: 'same-file' | 'same-content'
  sameAs: string
}

/** What the scan read, after inputs repeating other inputs were left out. */
export interface InputRows {
  /** The relation holding the rows: `report_rows`. */
  relation: string
  /** The files whose rows are in it, in input order. */
  files: string[]
  skipped: SkippedInput[]
  /** Rows whose JOB_ID a later input file also has (across files only): the later file's row is the one kept. */
  duplicateRowsDropped: number
  /**
   * The same, per file the rows were dropped from, with that file's rows without a JOB_ID on the days it
   * repeated (kept: nothing identifies them).
   */
  duplicatesByFile: {path: string; rows: number; unmatchedJobless: number}[]
}

/**
 * The one scan of the export: copies REPORT_ROW_COLUMNS (and `extraColumns`, e.g. the health section's, named
 * by whoever queries them) of the rows matching `filterSql` (a boolean over the view's columns) into a compressed
 * table in the source's private work database, and defines `report_rows` (unqualified, so that callers can name
 * it like the view) over it. With `keepUnfiltered` the table keeps every row and the view applies the filter.
 *
 * With two or more input files, the rows of a file whose content repeats an earlier file's are left out, then
 * rows whose (non-null) JOB_ID a later file also has are dropped, keeping the last file's row: JOB_ID is unique
 * within one export, so a repeat across files is the same job given twice (overlapping exports, the parts of two
 * windows), and the later export holds the more final figures of a day that was still landing. `load` keeps the
 * last input's row too, so a report on several exports and the warehouse loaded from them agree. Both happen
 * before the filters, on the copy (one scan of the CSV still). A single input costs none of this.
 */
export async function materializeInputRows(source: UsageSource, filterSql?: string, options: MaterializeOptions = {}): Promise<InputRows> {
  const known = openedSource(source.connection)
  if (!known) throw new Error('materializeInputRows needs a source opened by openUsage')
  const sameFile = source.repeatedPaths.map((repeat): SkippedInput => ({path: repeat.path, reason: 'same-file', sameAs: repeat.sameAs}))
  const rowColumns = [...REPORT_ROW_COLUMNS, ...(options.extraColumns ?? [])]
  const columns = rowColumns.map(([name, sql]) => `${sql} AS ${sqlIdent(name)}`)
  const table = REPORT_ROWS_TABLE
  const [tableFilter, viewFilter] = options.keepUnfiltered ? [undefined, filterSql] : [filterSql, undefined]
  const viewWhere = viewFilter ? ` WHERE ${viewFilter}` : ''
  try {
    await source.connection.run(
      `ATTACH IF NOT EXISTS ${sqlString(join(known.workDir, 'work.duckdb'))} AS work (STORAGE_VERSION ${sqlString(WORK_STORAGE_VERSION)}, ROW_GROUP_SIZE ${WORK_ROW_GROUP_SIZE})`,
    )
    const names = rowColumns.map(([name]) => name).filter((name) => NAME_COLUMNS.has(name))
    if (known.inputs.length === 1) {
      // A filter on names must see them unescaped: the scan then reads them so; otherwise they are unescaped in
      // the table, where a check costs a byte search per distinct name rather than per row (~15 ms against ~0.1 s on 1 GB).
      const from = tableFilter ? `(${unescapedRelationSql(PARSED_VIEW, names)}) WHERE ${tableFilter}` : PARSED_VIEW
      await scanChecked(source, () => source.connection.run(`CREATE OR REPLACE TABLE ${table} AS SELECT ${columns.join(', ')} FROM ${from}`))
      if (!tableFilter) await unescapeNamesIn(source.connection, table, names)
      await releaseMemoryPromptly(source.connection)
      await source.connection.run(`CREATE OR REPLACE TEMP VIEW ${REPORT_ROWS} AS SELECT * FROM ${table}${viewWhere}`)
      return {relation: REPORT_ROWS, files: source.files, skipped: sameFile, duplicateRowsDropped: 0, duplicatesByFile: []}
    }
    const {checked} = await scanChecked(source, () =>
      source.connection.run(`CREATE OR REPLACE TABLE ${table} AS SELECT ${columns.join(', ')}, JOB_ID, ${INPUT_FILE_INDEX} FROM ${PARSED_VIEW}`),
    )
    const sameContent = repeatedContent(checked)
    if (sameContent.length > 0) {
      await source.connection.run(`DELETE FROM ${table} WHERE ${INPUT_FILE_INDEX} IN (${sameContent.map((repeat) => repeat.index).join(', ')})`)
    }
    const duplicatesByFile = await dropRepeatedJobIds(source.connection, table)
    await unescapeNamesIn(source.connection, table, names)
    await releaseMemoryPromptly(source.connection)
    // The filters apply to what is left (filter columns are all in REPORT_ROW_COLUMNS); NULL is not a match.
    if (tableFilter) await source.connection.run(`DELETE FROM ${table} WHERE (${tableFilter}) IS NOT TRUE`)
    const list = rowColumns.map(([name]) => sqlIdent(name)).join(', ')
    await source.connection.run(`CREATE OR REPLACE TEMP VIEW ${REPORT_ROWS} AS SELECT ${list} FROM ${table}${viewWhere}`)
    const skippedIndexes = new Set(sameContent.map((repeat) => repeat.index))
    return {
      relation: REPORT_ROWS,
      files: source.files.filter((_, index) => !skippedIndexes.has(index)),
      skipped: [
        ...sameFile,
        ...sameContent.map((repeat): SkippedInput => ({path: source.files[repeat.index], reason: 'same-content', sameAs: source.files[repeat.sameAs]})),
      ],
      duplicateRowsDropped: duplicatesByFile.reduce((sum, file) => sum + file.rows, 0),
      duplicatesByFile: duplicatesByFile.map((file) => ({path: source.files[file.index], rows: file.rows, unmatchedJobless: file.unmatchedJobless})),
    }
  } catch (error) {
    throw fileSystemError(error, known.workDir, {temporary: true}) ?? error
  }
}

/**
 * After the scan, memory DuckDB frees goes back to the OS at once instead of staying with its allocator for
 * reuse: each later query (cube, savings, health) otherwise added its peak to what the earlier ones left behind,
 * and peak RSS grew phase by phase (420-470 MB on the 1 GB bench, 330-350 MB with this). During the scan the same
 * setting cost ~1 CPU-second (it frees memory in many small batches), so it is set only once the table exists.
 */
async function releaseMemoryPromptly(connection: DuckDBConnection): Promise<void> {
  await connection.run("SET allocator_bulk_deallocation_flush_threshold = '1MB'")
}

/**
 * Deletes rows whose JOB_ID a later file (higher INPUT_FILE_INDEX) has; returns the count per file, and per
 * such file the rows without a JOB_ID dated on a day whose rows the later file repeated: nothing tells whether
 * the later file repeats those too, so they are kept and the caller warns that they may be counted twice.
 */
async function dropRepeatedJobIds(connection: DuckDBConnection, table: string): Promise<{index: number; rows: number; unmatchedJobless: number}[]> {
  const repeated = 'repeated_job_ids'
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE ${repeated} AS SELECT JOB_ID, MAX(${INPUT_FILE_INDEX}) AS kept_file FROM ${table} WHERE JOB_ID IS NOT NULL GROUP BY JOB_ID HAVING MIN(${INPUT_FILE_INDEX}) <> MAX(${INPUT_FILE_INDEX})`,
  )
  const match = `r.JOB_ID = d.JOB_ID AND r.${INPUT_FILE_INDEX} <> d.kept_file`
  const counts = (
    await connection.runAndReadAll(
      `WITH dropped AS (SELECT r.${INPUT_FILE_INDEX} AS file, r.JOB_RUN_DATE AS day FROM ${table} r JOIN ${repeated} d ON ${match}),
       unmatched AS (SELECT file, COUNT(*) AS rows FROM (SELECT ${INPUT_FILE_INDEX} AS file, JOB_RUN_DATE AS day FROM ${table} WHERE JOB_ID IS NULL) j
         SEMI JOIN (SELECT DISTINCT file, day FROM dropped) d USING (file, day) GROUP BY file)
       SELECT file, COUNT(*) AS rows, COALESCE(any_value(unmatched.rows), 0) AS unmatched_jobless
       FROM dropped LEFT JOIN unmatched USING (file) GROUP BY file ORDER BY file`,
    )
  )
    .getRowObjects()
    .map((row) => ({index: Number(row.file), rows: Number(row.rows), unmatchedJobless: Number(row.unmatched_jobless)}))
  if (counts.length > 0) await connection.run(`DELETE FROM ${table} r USING ${repeated} d WHERE ${match}`)
  await connection.run(`DROP TABLE ${repeated}`)
  return counts
}

/** `relation` with its columns `names` unescaped (core/export-escapes.ts), every other column as it is. */
function unescapedRelationSql(relation: string, names: readonly string[]): string {
  if (names.length === 0) return `SELECT * FROM ${relation}`
  return `SELECT * REPLACE (${names.map((name) => `${shownValueSql(name)} AS ${sqlIdent(name)}`).join(', ')}) FROM ${relation}`
}

/**
 * Unescapes the columns `names` of `table` in place; rows without a backslash in them are not touched. The check
 * alone runs first: on a table without one it took ~15 ms (1 GB export), where the UPDATE's own scan took ~50.
 */
async function unescapeNamesIn(connection: DuckDBConnection, table: string, names: readonly string[]): Promise<void> {
  if (names.length === 0) return
  const where = names.map((name) => holdsEscapeSql(sqlIdent(name))).join(' OR ')
  const found = await connection.runAndReadAll(`SELECT count(*) FROM ${table} WHERE ${where}`)
  if (Number(found.getRows()[0][0]) === 0) return
  const assignments = names.map((name) => `${sqlIdent(name)} = ${shownValueSql(name)}`).join(', ')
  await connection.run(`UPDATE ${table} SET ${assignments} WHERE ${where}`)
}
