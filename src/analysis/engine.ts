import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DuckDBInstance, type DuckDBConnection} from '@duckdb/node-api'

import {describeBytes, MAX_RECORD_BYTES} from '../core/csv-limits.js'
import {CciUsageError, InputFileError} from '../core/errors.js'
import {fileSystemError} from '../core/fs-errors.js'
import {CREDIT_TYPE, EXPORT_COLUMNS, KNOWN_COLUMN_TYPES, isUnknownCreditColumn, sqlIdent, sqlString} from './columns.js'
import {engineSettings, systemResources, type EngineSettings} from './engine-settings.js'
import {note, traceStatements} from './profile.js'
import {checkInputFiles, repeatedContent, type CheckedInput} from './input-check.js'
import {incompleteGzipError, inspectInputFile, resolveInputs, type InputFile, type RepeatedPath} from './input-files.js'

/**
 * The view contract shared with the savings module: `view` names a relation with all 48 export columns under
 * their UPPER_CASE names (absent ones NULL) plus OTHER_CREDITS, typed as in columns.ts, `\\N` and '' as NULL.
 */
export interface UsageSource {
  connection: DuckDBConnection
  view: string
  /** The export files read, after directories were expanded (each file once). */
  files: string[]
  /** Inputs that named a file already given (another spelling, a symlink): read once. */
  repeatedPaths: RepeatedPath[]
  /**
   * The pass over the bytes (input-check.ts): settles once every gzip input is verified to its trailer and, with
   * two or more inputs, every file is hashed. Rejects with the first incomplete file. queryUsage and
   * materializeInputRows wait for it; anything else reading the view must too before using its numbers.
   */
  checked: Promise<CheckedInput[]>
  close(): Promise<void>
}

export interface OpenUsageOptions {
  /** Where DuckDB may spill; a private folder is created inside it and removed on close. */
  tempDir?: string
  /** Threads and memory limit; default: engineSettings of this process's environment and machine. */
  settings?: EngineSettings
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
const READ_BUFFER_BYTES = 8 << 20
// The work database is private and deleted on close, so it may use the newest storage format: its string
// compression (dictionary + FSST together) cost ~0.5 CPU-second less to write on the 1 GB bench export than the
// default format's (which older DuckDB versions can read), and the file is smaller and faster to read back.
const WORK_STORAGE_VERSION = 'v1.5.0'
// Half DuckDB's default: each scanning thread fills a row group of every column before compressing it, and
// halving them lowered the scan's peak RSS by ~30 MB on 1 GB at the same CPU time.
const WORK_ROW_GROUP_SIZE = 61440

/**
 * The same rows as `usage` with the credits as parsed, DECIMAL(18,6): what the one scan copies into report_rows.
 * Reading them through `usage` widened every credit to DECIMAL(38,6) and narrowed it back, ~0.3 CPU-second on 1 GB.
 */
const PARSED_VIEW = 'usage_parsed'

/** The threads and memory limit each engine was opened with (withMemoryLimit restores them exactly). */
const budgets = new WeakMap<DuckDBConnection, EngineSettings>()

/** What openUsage knows about each open source's connection: its private temp folder and its input files. */
const sources = new WeakMap<DuckDBConnection, {workDir: string; inputs: InputFile[]}>()

/** The column of the view telling which input file a row came from (index in `files`), with 2+ inputs. */
export const INPUT_FILE_INDEX = 'INPUT_FILE_INDEX'

/** A DuckDB database in a private temp folder (spill files, the work database), removed on close. */
export interface Engine {
  connection: DuckDBConnection
  workDir: string
  close(): Promise<void>
}

export async function openEngine(options: OpenUsageOptions = {}): Promise<Engine> {
  const spillParent = options.tempDir ?? tmpdir()
  // Threads follow the cores this process may use, the memory budget the threads (engine-settings.ts); a bad
  // CCI_USAGE_THREADS or CCI_USAGE_MEMORY_LIMIT stops here, before anything is created.
  const settings = options.settings ?? engineSettings(process.env, systemResources())
  let workDir: string | undefined
  let instance: DuckDBInstance | undefined
  let connection: DuckDBConnection | undefined
  try {
    workDir = await mkdtemp(join(spillParent, 'cci-usage-duckdb-'))
    instance = await DuckDBInstance.create(':memory:', {
      threads: String(settings.threads),
      memory_limit: settings.memoryLimit,
      temp_directory: join(workDir, 'spill'),
      // Row order is irrelevant to aggregates; dropping it lets DuckDB scan in parallel with less memory.
      preserve_insertion_order: 'false',
      // Hand freed memory back to the OS sooner (default 128 MB): the phases (scan, cube, savings) peak in turn.
      allocator_flush_threshold: '16MB',
    })
    connection = await instance.connect()
    traceStatements(connection)
    note(`duckdb: ${settings.threads} threads (${settings.threadsFrom}), memory_limit ${settings.memoryLimit} (${settings.memoryLimitFrom})`)
  } catch (error) {
    connection?.closeSync()
    instance?.closeSync()
    if (workDir !== undefined) await rm(workDir, {recursive: true, force: true})
    throw fileSystemError(error, workDir ?? spillParent, {temporary: true}) ?? error
  }
  const openConnection = connection
  const openInstance = instance
  const openWorkDir = workDir
  sources.set(openConnection, {workDir: openWorkDir, inputs: []})
  budgets.set(openConnection, settings)
  let closed = false
  return {
    connection: openConnection,
    workDir: openWorkDir,
    async close() {
      if (closed) return
      closed = true
      openConnection.closeSync()
      openInstance.closeSync()
      await rm(openWorkDir, {recursive: true, force: true})
    },
  }
}

export async function openUsage(files: string[], options: OpenUsageOptions = {}): Promise<UsageSource> {
  const {paths, repeats} = await resolveInputs(files)
  const inputs = await Promise.all(paths.map((path) => inspectInputFile(path)))
  const aborter = new AbortController()
  // Started now, awaited with the first scan: it runs while DuckDB reads.
  const checked = checkInputFiles(inputs, {hash: inputs.length > 1, signal: aborter.signal})
  checked.catch(() => undefined)
  let engine: Engine
  try {
    engine = await openEngine(options)
  } catch (error) {
    aborter.abort()
    throw error
  }
  try {
    await createUsageView(engine.connection, 'usage', inputs, {withFileIndex: inputs.length > 1})
    await createUsageView(engine.connection, PARSED_VIEW, inputs, {withFileIndex: inputs.length > 1, parsedCredits: true})
  } catch (error) {
    aborter.abort()
    await engine.close()
    throw fileSystemError(error, engine.workDir, {temporary: true}) ?? error
  }
  sources.set(engine.connection, {workDir: engine.workDir, inputs})
  return {
    connection: engine.connection,
    view: 'usage',
    files: paths,
    repeatedPaths: repeats,
    checked,
    async close() {
      aborter.abort()
      await engine.close()
    },
  }
}

/**
 * Defines `view` over export files on an existing connection (the report uses it for --previous-input so both
 * windows live in one database). Files whose headers differ (column order, case, extra columns) are read
 * separately and unioned by canonical name. Nothing is read here; reader errors surface when the view is
 * queried: pass them through translateReadError.
 */
export async function createUsageView(
  connection: DuckDBConnection,
  view: string,
  inputs: InputFile[],
  options: {withFileIndex?: boolean; parsedCredits?: boolean} = {},
): Promise<void> {
  const groups = new Map<string, InputFile[]>()
  for (const input of inputs) {
    const key = JSON.stringify([input.header.map((name) => name.toUpperCase()), input.gzip])
    groups.set(key, [...(groups.get(key) ?? []), input])
  }
  const fileIndex = options.withFileIndex ? new Map(inputs.map((input, index) => [input.path, index])) : undefined
  const selects = [...groups.values()].map((group) => selectFromFiles(group, fileIndex, options.parsedCredits))
  const sql = `CREATE OR REPLACE VIEW ${sqlIdent(view)} AS ${selects.join('\nUNION ALL\n')}`
  try {
    await connection.run(sql)
  } catch (error) {
    throw translateReadError(error, inputs)
  }
}

/**
 * The canonical projection of files that share one header. With `fileIndex`, each row also carries the index
 * of its file (INPUT_FILE_INDEX), from the reader's `filename` column. With `parsedCredits` the credit columns
 * keep the type they are parsed as (PARSE_CREDIT_TYPE) instead of the view contract's wide one.
 */
export function selectFromFiles(group: InputFile[], fileIndex?: ReadonlyMap<string, number>, parsedCredits = false): string {
  const header = group[0].header.map((name) => name.toUpperCase())
  // Every name in the header must be declared, in file order: the reader maps columns by position.
  const declared = header.map((name) => {
    const type = KNOWN_COLUMN_TYPES.get(name) ?? (isUnknownCreditColumn(name) ? CREDIT_TYPE : 'VARCHAR')
    return `${sqlString(name)}: ${sqlString(type === CREDIT_TYPE ? PARSE_CREDIT_TYPE : type)}`
  })
  const present = new Set(header)
  const creditType = parsedCredits ? PARSE_CREDIT_TYPE : CREDIT_TYPE
  const projection = EXPORT_COLUMNS.map(([name, type]) => {
    if (!present.has(name)) return `CAST(NULL AS ${type === CREDIT_TYPE ? creditType : type}) AS ${sqlIdent(name)}`
    return type === CREDIT_TYPE && !parsedCredits ? `CAST(${sqlIdent(name)} AS ${CREDIT_TYPE}) AS ${sqlIdent(name)}` : sqlIdent(name)
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
    `max_line_size = ${MAX_RECORD_BYTES}`,
    `buffer_size = ${READ_BUFFER_BYTES}`,
    ...(fileIndex ? ['filename = true'] : []),
    `columns = {${declared.join(', ')}})`,
  ].join(', ')
  // A row that no file claims would escape de-duplication: stop rather than count it twice.
  const source = fileIndex
    ? `, CAST(CASE filename ${group.map((input) => `WHEN ${sqlString(input.path)} THEN ${fileIndex.get(input.path)}`).join(' ')} ELSE error('internal: a row of an unknown input file ' || filename) END AS INTEGER) AS ${INPUT_FILE_INDEX}`
    : ''
  return `SELECT ${projection.join(', ')}, ${otherCredits} AS OTHER_CREDITS${source} FROM ${reader}`
}

/**
 * DuckDB's multi-line reader errors become one line naming the file and the line, with what to do. The message
 * is matched on DuckDB's own explanation lines only: it also quotes the offending data (`Original Line: ...`)
 * and dumps the reader's options (`quote = "`), and neither may decide what the problem is.
 */
export function translateReadError(error: unknown, inputs: InputFile[]): Error {
  if (error instanceof CciUsageError) return error
  // DuckDB writes only in its private temp folder (spill files, the work database).
  const fileSystem = fileSystemError(error, undefined, {temporary: true})
  if (fileSystem) return fileSystem
  const message = error instanceof Error ? error.message : String(error)
  const file = /^\s*file = (.+)$/m.exec(message)?.[1]?.trim() ?? (inputs.length === 1 ? inputs[0].path : 'one of the input files')
  const line = /CSV Error on Line: (\d+)/.exec(message)?.[1]
  const where = line ? `${file}, line ${line}` : file
  const columns = /^Expected Number of Columns: (\d+) Found: (\d+)/m.exec(message)
  if (columns) {
    return new InputFileError('E_INPUT_RAGGED', `Input file ${where}: expected ${columns[1]} fields but found ${columns[2]}; the row is malformed, fix or re-export the file.`)
  }
  const tooLong = /^Maximum line size of (\d+) bytes exceeded/m.exec(message)
  if (tooLong) {
    return new InputFileError(
      'E_INPUT_FIELD_TOO_LONG',
      `Input file ${where}: a field longer than ${describeBytes(Number(tooLong[1]))} (export rows are about 1 KB), so the file is damaged or a quote is never closed; fix or re-export the file.`,
    )
  }
  if (/^Invalid unicode/m.test(message)) {
    return new InputFileError(
      'E_INPUT_NOT_UTF8',
      `Input file ${file}: the file is not UTF-8, at line ${line ?? '?'}; re-export it from CircleCI, or convert it (e.g. iconv -f latin1 -t utf-8 ${file} > usage-utf8.csv).`,
    )
  }
  if (/^Value with unterminated quote found/m.test(message)) {
    return new InputFileError('E_INPUT_QUOTE', `Input file ${where}: a quoted field is not closed; fix or re-export the file.`)
  }
  const conversion = /Error when converting column "([^"]+)"\. Could not convert string "([^"]*)"/.exec(message)
  if (conversion) {
    const value = conversion[2].length > 40 ? `${conversion[2].slice(0, 40)}...` : conversion[2]
    return new InputFileError('E_INPUT_VALUE', `Input file ${where}: column ${conversion[1]} holds "${value}", which is not a valid ${describeType(conversion[1])}; fix or re-export the file.`)
  }
  const first = message.split('\n').find((text) => text.trim() !== '') ?? message
  if (/gzip|zlib|inflate|decompress/i.test(first)) return incompleteGzipError(file)
  return new InputFileError('E_INPUT_UNREADABLE', `Input file ${where} cannot be read as a usage export (${first.trim()}).`)
}

function describeType(column: string): string {
  const type = KNOWN_COLUMN_TYPES.get(column.toUpperCase()) ?? CREDIT_TYPE
  if (type === 'DATE') return 'date (YYYY-MM-DD)'
  if (type === 'TIMESTAMP') return 'timestamp (YYYY-MM-DD HH:MM:SS.sss)'
  if (type === 'INTEGER') return 'whole number'
  return 'number'
}

function inputsOf(source: UsageSource): InputFile[] {
  return sources.get(source.connection)?.inputs ?? source.files.map((path) => ({path, gzip: false, header: []}))
}

/**
 * Runs `scan` (a scan of the usage view) while the byte check of the inputs runs, and settles both: an incomplete
 * input wins over whatever DuckDB said about it (a gzip cut mid-block makes DuckDB complain about a short row
 * first), and the scan's result is returned only once every input has passed. `translate` turns the scan's own
 * failure into the error to throw (a scan that also writes, like the lake's COPY, can fail for other reasons).
 */
export async function scanChecked<T>(
  source: UsageSource,
  scan: () => Promise<T>,
  translate: (error: unknown, inputs: InputFile[]) => Error = translateReadError,
): Promise<{result: T; checked: CheckedInput[]}> {
  let scanning = true
  // A bad input found early stops the scan instead of letting it read to the end.
  source.checked.catch(() => {
    if (scanning) source.connection.interrupt()
  })
  const [scanned, checked] = await Promise.allSettled([scan(), source.checked])
  scanning = false
  if (checked.status === 'rejected') throw checked.reason
  if (scanned.status === 'rejected') throw translate(scanned.reason, inputsOf(source))
  return {result: scanned.value, checked: checked.value}
}

/**
 * Runs a query against the usage view, turning CSV reader failures (ragged row, bad value) into one-line
 * InputFileErrors, after the inputs passed their byte check. Use it for the first query that touches a new input.
 */
export async function queryUsage(source: UsageSource, sql: string) {
  return (await scanChecked(source, () => source.connection.runAndReadAll(sql))).result
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
  /** Rows whose JOB_ID an earlier input file already had (across files only, as `export` does across windows). */
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
 * rows whose (non-null) JOB_ID an earlier file already had are dropped, keeping the first file's row: JOB_ID is
 * unique within one export, so a repeat across files is the same job given twice (overlapping exports, the
 * parts of two windows). Both happen before the filters, on the copy (one scan of the CSV still). A single
 * input costs none of this.
 */
export async function materializeInputRows(source: UsageSource, filterSql?: string, options: MaterializeOptions = {}): Promise<InputRows> {
  const known = sources.get(source.connection)
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
    if (known.inputs.length === 1) {
      await scanChecked(source, () =>
        source.connection.run(`CREATE OR REPLACE TABLE ${table} AS SELECT ${columns.join(', ')} FROM ${PARSED_VIEW}${tableFilter ? ` WHERE ${tableFilter}` : ''}`),
      )
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
    await releaseMemoryPromptly(source.connection)
    // The filters apply to what is left (filter columns are all in REPORT_ROW_COLUMNS); NULL is not a match.
    if (tableFilter) await source.connection.run(`DELETE FROM ${table} WHERE (${tableFilter}) IS NOT TRUE`)
    const names = rowColumns.map(([name]) => sqlIdent(name)).join(', ')
    await source.connection.run(`CREATE OR REPLACE TEMP VIEW ${REPORT_ROWS} AS SELECT ${names} FROM ${table}${viewWhere}`)
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

const UNIT_MB: Record<string, number> = {bytes: 1 / 1048576, kib: 1 / 1024, mib: 1, gib: 1024, tib: 1024 * 1024}

/** DuckDB's memory_limit as it shows it ('143.0 MiB'), in MiB; null when it cannot be read. */
export function memoryLimitMb(shown: string): number | null {
  const match = /^\s*([\d.]+)\s*(bytes|KiB|MiB|GiB|TiB)\s*$/i.exec(shown)
  return match ? Number(match[1]) * UNIT_MB[match[2].toLowerCase()] : null
}

/** DuckDB's current thread count and memory limit in MiB (null when it cannot be read). */
async function currentBudget(connection: DuckDBConnection): Promise<{threads: number; memoryMb: number | null}> {
  const settings = (await connection.runAndReadAll("SELECT current_setting('threads') AS threads, current_setting('memory_limit') AS memory")).getRowObjectsJS()[0]
  return {threads: Number(settings.threads), memoryMb: memoryLimitMb(String(settings.memory))}
}

/**
 * Runs `statement` with no more threads than DuckDB's memory budget holds at `mbPerThread`, then restores them: for
 * statements that fail rather than spill when each thread gets too little (history/queries.ts, the rollup).
 */
export async function withThreadsForBudget<T>(connection: DuckDBConnection, mbPerThread: number, statement: () => Promise<T>): Promise<T> {
  const {threads, memoryMb} = await currentBudget(connection)
  const fits = Math.max(1, Math.floor((memoryMb ?? 0) / mbPerThread))
  if (fits >= threads) return statement()
  await connection.run(`SET threads = ${fits}`)
  try {
    return await statement()
  } finally {
    await connection.run(`SET threads = ${threads}`)
  }
}

/**
 * Runs `work` with DuckDB's memory budget at most `mbPerThread` a thread (never raised), then sets it back to what
 * the engine was opened with (passes.ts: queries for which a cache of the table's blocks buys nothing).
 */
export async function withMemoryLimit<T>(connection: DuckDBConnection, mbPerThread: number, work: () => Promise<T>): Promise<T> {
  const opened = budgets.get(connection)
  const {threads, memoryMb: current} = await currentBudget(connection)
  const cut = mbPerThread * threads
  if (opened === undefined || current === null || current <= cut) return work()
  await connection.run(`SET memory_limit = '${cut}MiB'`)
  try {
    return await work()
  } finally {
    await connection.run(`SET memory_limit = ${sqlString(opened.memoryLimit)}`)
  }
}

/**
 * Deletes rows whose JOB_ID an earlier file (lower INPUT_FILE_INDEX) has; returns the count per file, and per
 * such file the rows without a JOB_ID dated on a day whose rows it repeated: nothing tells whether those repeat
 * the earlier file too, so they are kept and the caller warns that they may be counted twice.
 */
async function dropRepeatedJobIds(connection: DuckDBConnection, table: string): Promise<{index: number; rows: number; unmatchedJobless: number}[]> {
  const repeated = 'repeated_job_ids'
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE ${repeated} AS SELECT JOB_ID, MIN(${INPUT_FILE_INDEX}) AS first_file FROM ${table} WHERE JOB_ID IS NOT NULL GROUP BY JOB_ID HAVING MIN(${INPUT_FILE_INDEX}) <> MAX(${INPUT_FILE_INDEX})`,
  )
  const match = `r.JOB_ID = d.JOB_ID AND r.${INPUT_FILE_INDEX} <> d.first_file`
  const counts = (
    await connection.runAndReadAll(
      `WITH dropped AS (SELECT r.${INPUT_FILE_INDEX} AS file, r.JOB_RUN_DATE AS day FROM ${table} r JOIN ${repeated} d ON ${match}),
       jobless AS (SELECT ${INPUT_FILE_INDEX} AS file, JOB_RUN_DATE AS day, COUNT(*) AS rows FROM ${table} WHERE JOB_ID IS NULL GROUP BY ALL)
       SELECT file, COUNT(*) AS rows,
         (SELECT COALESCE(SUM(j.rows), 0) FROM jobless j WHERE j.file = dropped.file AND j.day IN (SELECT day FROM dropped d2 WHERE d2.file = dropped.file)) AS unmatched_jobless
       FROM dropped GROUP BY file ORDER BY file`,
    )
  )
    .getRowObjects()
    .map((row) => ({index: Number(row.file), rows: Number(row.rows), unmatchedJobless: Number(row.unmatched_jobless)}))
  if (counts.length > 0) await connection.run(`DELETE FROM ${table} r USING ${repeated} d WHERE ${match}`)
  await connection.run(`DROP TABLE ${repeated}`)
  return counts
}

/** materializeInputRows, returning only the relation's name. */
export async function materializeReportRows(source: UsageSource, filterSql?: string, options: MaterializeOptions = {}): Promise<string> {
  return (await materializeInputRows(source, filterSql, options)).relation
}
