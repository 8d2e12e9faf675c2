import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DuckDBInstance, type DuckDBConnection} from '@duckdb/node-api'

import {CciUsageError, InputFileError} from '../core/errors.js'
import {CREDIT_TYPE, EXPORT_COLUMNS, KNOWN_COLUMN_TYPES, isUnknownCreditColumn, sqlIdent, sqlString} from './columns.js'
import {inspectInputFile, resolveInputPaths, type InputFile} from './input-files.js'

/**
 * The view contract shared with the savings module: `view` names a relation with all 48 export columns under
 * their UPPER_CASE names (absent ones NULL) plus OTHER_CREDITS, typed as in columns.ts, `\\N` and '' as NULL.
 */
export interface UsageSource {
  connection: DuckDBConnection
  view: string
  /** The export files read, after directories were expanded. */
  files: string[]
  close(): Promise<void>
}

export interface OpenUsageOptions {
  /** Where DuckDB may spill; a private folder is created inside it and removed on close. */
  tempDir?: string
}

// `usage` is a view over the CSV files, not a table: the CSV reader parses only the columns a query names.
// A report reads the big file ONCE, into `work.report_rows` (materializeReportRows): only the ~25 columns the
// report and the savings rules use, in a DuckDB file in the private temp folder. Measured on a 1 GB export on
// this 2-core machine, that file is ~55 MB (DuckDB compresses tables it writes to disk, not in-memory ones:
// the same table in memory was ~240 MB and spilled) and then the cube and the savings queries take ~1 s
// together, where the savings queries re-reading the CSV through the view took ~4 s and +80 MB RSS.
// Credits are parsed as DECIMAL(18,6) (64-bit; up to 10^12 credits per row) and widened to DECIMAL(38,6) in
// the view: parsing straight into the 128-bit type made the whole scan ~3x slower here; sums stay exact.
const PARSE_CREDIT_TYPE = 'DECIMAL(18,6)'
const MAX_LINE_BYTES = 1 << 20
const READ_BUFFER_BYTES = 8 << 20
// DuckDB's own budget; the process adds ~90 MB (node, the DuckDB library). 150 MB kept peak RSS ~30 MB lower
// than 250 MB on 1 GB at the same speed; the cube's aggregation spills to temp_directory if it needs more.
const MEMORY_LIMIT = '150MB'
const THREADS = '2'

/** Private temp folder of each open source's connection (spill files, the work database). */
const workDirs = new WeakMap<DuckDBConnection, string>()

/** A DuckDB database in a private temp folder (spill files, the work database), removed on close. */
export interface Engine {
  connection: DuckDBConnection
  close(): Promise<void>
}

export async function openEngine(options: OpenUsageOptions = {}): Promise<Engine> {
  const workDir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'cci-usage-duckdb-'))
  let instance: DuckDBInstance | undefined
  let connection: DuckDBConnection | undefined
  try {
    instance = await DuckDBInstance.create(':memory:', {
      threads: THREADS,
      memory_limit: MEMORY_LIMIT,
      temp_directory: join(workDir, 'spill'),
      // Row order is irrelevant to aggregates; dropping it lets DuckDB scan in parallel with less memory.
      preserve_insertion_order: 'false',
      // Hand freed memory back to the OS sooner (default 128 MB): the phases (scan, cube, savings) peak in turn.
      allocator_flush_threshold: '16MB',
    })
    connection = await instance.connect()
  } catch (error) {
    connection?.closeSync()
    instance?.closeSync()
    await rm(workDir, {recursive: true, force: true})
    throw error
  }
  workDirs.set(connection, workDir)
  const openConnection = connection
  const openInstance = instance
  let closed = false
  return {
    connection: openConnection,
    async close() {
      if (closed) return
      closed = true
      openConnection.closeSync()
      openInstance.closeSync()
      await rm(workDir, {recursive: true, force: true})
    },
  }
}

export async function openUsage(files: string[], options: OpenUsageOptions = {}): Promise<UsageSource> {
  const paths = await resolveInputPaths(files)
  const inputs = await Promise.all(paths.map((path) => inspectInputFile(path)))
  const engine = await openEngine(options)
  try {
    await createUsageView(engine.connection, 'usage', inputs)
  } catch (error) {
    await engine.close()
    throw error
  }
  return {connection: engine.connection, view: 'usage', files: paths, close: () => engine.close()}
}

/**
 * Defines `view` over export files on an existing connection (the report uses it for --previous-input so both
 * windows live in one database). Files whose headers differ (column order, case, extra columns) are read
 * separately and unioned by canonical name. Nothing is read here; reader errors surface when the view is
 * queried: pass them through translateReadError.
 */
export async function createUsageView(connection: DuckDBConnection, view: string, inputs: InputFile[]): Promise<void> {
  const groups = new Map<string, InputFile[]>()
  for (const input of inputs) {
    const key = JSON.stringify([input.header.map((name) => name.toUpperCase()), input.gzip])
    groups.set(key, [...(groups.get(key) ?? []), input])
  }
  const selects = [...groups.values()].map((group) => selectFromFiles(group))
  const sql = `CREATE OR REPLACE VIEW ${sqlIdent(view)} AS ${selects.join('\nUNION ALL\n')}`
  try {
    await connection.run(sql)
  } catch (error) {
    throw translateReadError(error, inputs)
  }
}

/** The canonical projection of files that share one header. */
export function selectFromFiles(group: InputFile[]): string {
  const header = group[0].header.map((name) => name.toUpperCase())
  // Every name in the header must be declared, in file order: the reader maps columns by position.
  const declared = header.map((name) => {
    const type = KNOWN_COLUMN_TYPES.get(name) ?? (isUnknownCreditColumn(name) ? CREDIT_TYPE : 'VARCHAR')
    return `${sqlString(name)}: ${sqlString(type === CREDIT_TYPE ? PARSE_CREDIT_TYPE : type)}`
  })
  const present = new Set(header)
  const projection = EXPORT_COLUMNS.map(([name, type]) => {
    if (!present.has(name)) return `CAST(NULL AS ${type}) AS ${sqlIdent(name)}`
    return type === CREDIT_TYPE ? `CAST(${sqlIdent(name)} AS ${CREDIT_TYPE}) AS ${sqlIdent(name)}` : sqlIdent(name)
  })
  const unknownCredits = header.filter((name) => isUnknownCreditColumn(name))
  const otherCredits =
    unknownCredits.length === 0
      ? `CAST(0 AS ${CREDIT_TYPE})`
      : `CAST(${unknownCredits.map((name) => `COALESCE(${sqlIdent(name)}, 0)`).join(' + ')} AS ${CREDIT_TYPE})`
  const fileList = `[${group.map((input) => sqlString(input.path)).join(', ')}]`
  const reader = [
    `read_csv(${fileList}`,
    'header = true',
    'auto_detect = false',
    "delim = ','",
    `quote = '"'`,
    `escape = '"'`,
    // The export's null token is the three characters backslash, backslash, N; SQL literals keep backslashes.
    String.raw`nullstr = ['\\N', '\N', '']`,
    `compression = ${sqlString(group[0].gzip ? 'gzip' : 'none')}`,
    // DuckDB's default (32 MiB per reader buffer) dominated peak RSS on big exports; rows are ~1 KB.
    `max_line_size = ${MAX_LINE_BYTES}`,
    `buffer_size = ${READ_BUFFER_BYTES}`,
    `columns = {${declared.join(', ')}})`,
  ].join(', ')
  return `SELECT ${projection.join(', ')}, ${otherCredits} AS OTHER_CREDITS FROM ${reader}`
}

/** DuckDB's multi-line reader errors become one line naming the file and the line, with what to do. */
export function translateReadError(error: unknown, inputs: InputFile[]): Error {
  if (error instanceof CciUsageError) return error
  const message = error instanceof Error ? error.message : String(error)
  const file = /^\s*file = (.+)$/m.exec(message)?.[1]?.trim() ?? (inputs.length === 1 ? inputs[0].path : 'one of the input files')
  const line = /CSV Error on Line: (\d+)/.exec(message)?.[1]
  const where = line ? `${file}, line ${line}` : file
  const columns = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message)
  if (columns) {
    return new InputFileError('E_INPUT_RAGGED', `Input file ${where}: expected ${columns[1]} fields but found ${columns[2]}; the row is malformed, fix or re-export the file.`)
  }
  const conversion = /Error when converting column "([^"]+)"\. Could not convert string "([^"]*)"/.exec(message)
  if (conversion) {
    const value = conversion[2].length > 40 ? `${conversion[2].slice(0, 40)}...` : conversion[2]
    return new InputFileError('E_INPUT_VALUE', `Input file ${where}: column ${conversion[1]} holds "${value}", which is not a valid ${describeType(conversion[1])}; fix or re-export the file.`)
  }
  if (/gzip|zlib|inflate|decompress/i.test(message)) {
    return new InputFileError('E_INPUT_CORRUPT', `Input file ${where} is not a complete gzip file: download the export again.`)
  }
  if (/unterminated quote|quote/i.test(message) && line) {
    return new InputFileError('E_INPUT_QUOTE', `Input file ${where}: a quoted field is not closed; fix or re-export the file.`)
  }
  const first = message.split('\n').find((text) => text.trim() !== '') ?? message
  return new InputFileError('E_INPUT_UNREADABLE', `Input file ${where} cannot be read as a usage export (${first.trim()}).`)
}

function describeType(column: string): string {
  const type = KNOWN_COLUMN_TYPES.get(column.toUpperCase()) ?? CREDIT_TYPE
  if (type === 'DATE') return 'date (YYYY-MM-DD)'
  if (type === 'TIMESTAMP') return 'timestamp (YYYY-MM-DD HH:MM:SS.sss)'
  if (type === 'INTEGER') return 'whole number'
  return 'number'
}

/**
 * Runs a query against the usage view, turning CSV reader failures (ragged row, bad value) into one-line
 * InputFileErrors. Use it for the first query that touches a new input.
 */
export async function queryUsage(source: UsageSource, sql: string) {
  try {
    return await source.connection.runAndReadAll(sql)
  } catch (error) {
    throw translateReadError(error, source.files.map((path) => ({path, gzip: false, header: []})))
  }
}

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
  ...EXPORT_COLUMNS.filter(([, type]) => type === CREDIT_TYPE).map(
    ([name]) => [name, `CAST(${sqlIdent(name)} AS ${PARSE_CREDIT_TYPE})`] as const,
  ),
]

export const REPORT_ROWS = 'report_rows'

/** The table behind `report_rows`: with `keepUnfiltered`, every row of the export (the history stores them all). */
export const REPORT_ROWS_TABLE = `work.${REPORT_ROWS}`

/**
 * The one scan of the export: copies REPORT_ROW_COLUMNS of the rows matching `filterSql` (a boolean over the
 * view's columns) into a compressed table in the source's private work database, and defines `report_rows`
 * (unqualified, so that callers can name it like the view) over it. Returns that name. With `keepUnfiltered`
 * the table keeps every row and the view applies the filter: a history must hold the organization's whole usage
 * whatever the report shows.
 */
export async function materializeReportRows(source: UsageSource, filterSql?: string, options: {keepUnfiltered?: boolean} = {}): Promise<string> {
  const workDir = workDirs.get(source.connection)
  if (!workDir) throw new Error('materializeReportRows needs a source opened by openUsage')
  const columns = REPORT_ROW_COLUMNS.map(([name, sql]) => `${sql} AS ${sqlIdent(name)}`).join(', ')
  const [tableFilter, viewFilter] = options.keepUnfiltered ? [undefined, filterSql] : [filterSql, undefined]
  await source.connection.run(`ATTACH IF NOT EXISTS ${sqlString(join(workDir, 'work.duckdb'))} AS work`)
  await queryUsage(
    source,
    `CREATE OR REPLACE TABLE ${REPORT_ROWS_TABLE} AS SELECT ${columns} FROM ${sqlIdent(source.view)}${tableFilter ? ` WHERE ${tableFilter}` : ''}`,
  )
  await source.connection.run(`CREATE OR REPLACE TEMP VIEW ${REPORT_ROWS} AS SELECT * FROM ${REPORT_ROWS_TABLE}${viewFilter ? ` WHERE ${viewFilter}` : ''}`)
  return REPORT_ROWS
}
