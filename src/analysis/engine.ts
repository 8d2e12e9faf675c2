import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DuckDBInstance, type DuckDBConnection} from '@duckdb/node-api'

import {describeBytes, MAX_RECORD_BYTES} from '../core/csv-limits.js'
import {CciUsageError, InputFileError, raggedRowError} from '../core/errors.js'
import {fileSystemError} from '../core/fs-errors.js'
import {outOfMemoryError, rememberEngineThreads} from '../core/memory-errors.js'
import {makeWorkDir, type WorkDir} from '../core/work-dir.js'
import {fieldCountOf} from '../export/records.js'
import {CREDIT_TYPE, EXPORT_COLUMNS, KNOWN_COLUMN_TYPES, isUnknownCreditColumn, sqlIdent, sqlString} from './columns.js'
import {rememberBudget} from './engine-budget.js'
import {engineSettings, systemResources, type EngineSettings} from './engine-settings.js'
import {note, traceStatements} from './profile.js'
import {quoteEscapedFields} from './escaped-inputs.js'
import {checkInputFiles, type CheckedInput} from './input-check.js'
import {incompleteGzipError, inspectInputFile, resolveInputs, type InputFile, type RepeatedPath} from './input-files.js'

/**
 * The view contract shared with the savings module: `view` names a relation with all 48 export columns under
 * their UPPER_CASE names (absent ones NULL) plus OTHER_CREDITS, typed as in columns.ts, `\\N` and '' as NULL.
 * Names are as the file writes them, escapes included (core/export-escapes.ts): whatever stores or shows them
 * unescapes them (report-rows.ts for the report's work table, the lake's staging COPY).
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
// A report reads the big file ONCE, into `work.report_rows` (report-rows.ts): only the ~25 columns the
// report and the savings rules use, in a DuckDB file in the private temp folder. Measured on a 1 GB export on
// this 2-core machine, that file is ~55 MB (DuckDB compresses tables it writes to disk, not in-memory ones:
// the same table in memory was ~240 MB and spilled) and then the cube and the savings queries take ~1 s
// together, where the savings queries re-reading the CSV through the view took ~4 s and +80 MB RSS.
// Credits are parsed as DECIMAL(18,6) (64-bit; up to 10^12 credits per row) and widened to DECIMAL(38,6) in
// the view: parsing straight into the 128-bit type made the whole scan ~3x slower here; sums stay exact.
const PARSE_CREDIT_TYPE = 'DECIMAL(18,6)'
const READ_BUFFER_BYTES = 8 << 20

/**
 * The same rows as `usage` with the credits as parsed, DECIMAL(18,6): what the one scan copies into report_rows.
 * Reading them through `usage` widened every credit to DECIMAL(38,6) and narrowed it back, ~0.3 CPU-second on 1 GB.
 */
export const PARSED_VIEW = 'usage_parsed'

/**
 * What openUsage knows about each open source's connection: its private temp folder and its input files (after
 * `quoteEscapes`, the quoted copies of those that needed one, and `copyOf` maps each copy to the user's file).
 */
interface OpenedSource {
  workDir: string
  inputs: InputFile[]
  copyOf?: ReadonlyMap<string, string>
  /** Rewrites the inputs with escaped separators and points the views at them, once; false when none had one. */
  quoteEscapes?: () => Promise<boolean>
}
const sources = new WeakMap<DuckDBConnection, OpenedSource>()

/** The private temp folder and input files of a source opened by openUsage (undefined for any other connection). */
export function openedSource(connection: DuckDBConnection): OpenedSource | undefined {
  return sources.get(connection)
}

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
  let workDir: WorkDir | undefined
  let instance: DuckDBInstance | undefined
  let connection: DuckDBConnection | undefined
  try {
    workDir = await makeWorkDir(spillParent, 'cci-usage-duckdb-')
    instance = await DuckDBInstance.create(':memory:', {
      threads: String(settings.threads),
      memory_limit: settings.memoryLimit,
      temp_directory: join(workDir.path, 'spill'),
      // Row order is irrelevant to aggregates; dropping it lets DuckDB scan in parallel with less memory.
      preserve_insertion_order: 'false',
      // Hand freed memory back to the OS sooner (default 128 MB): the phases (scan, cube, savings) peak in turn.
      allocator_flush_threshold: '16MB',
    })
    connection = await instance.connect()
    // The work database is removed with its folder on close: checkpointing it there first only cost time and
    // memory (on an export of 3,000 projects, 0.3 to 0.8 CPU-second and a spike of ~40 MB RSS after the health
    // queries), and nothing else this engine attaches is kept.
    await connection.run('PRAGMA disable_checkpoint_on_shutdown')
    traceStatements(connection)
    note(`duckdb: ${settings.threads} threads (${settings.threadsFrom}), memory_limit ${settings.memoryLimit} (${settings.memoryLimitFrom})`)
  } catch (error) {
    connection?.closeSync()
    instance?.closeSync()
    await workDir?.remove()
    throw fileSystemError(error, workDir?.path ?? spillParent, {temporary: true}) ?? error
  }
  const openConnection = connection
  const openInstance = instance
  // Interrupted, the run would leave the work database (about a fifteenth of the CSV) in the temp folder; a
  // signal or an exit removes it, and the next run removes it after a SIGKILL (work-dir.ts).
  const openWorkDir = workDir
  sources.set(openConnection, {workDir: openWorkDir.path, inputs: []})
  rememberBudget(openConnection, settings)
  rememberEngineThreads(settings.threads)
  let closed = false
  return {
    connection: openConnection,
    workDir: openWorkDir.path,
    async close() {
      if (closed) return
      closed = true
      openConnection.closeSync()
      openInstance.closeSync()
      await openWorkDir.remove()
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
    await createSourceViews(engine.connection, inputs)
  } catch (error) {
    aborter.abort()
    await engine.close()
    throw fileSystemError(error, engine.workDir, {temporary: true}) ?? error
  }
  const opened: OpenedSource = {workDir: engine.workDir, inputs}
  // Once per source: the copies are what the views read from then on, and a scan that fails on them is not read
  // again; nor is a file found without an escaped separator looked through twice.
  let quoted = false
  opened.quoteEscapes = async () => {
    if (quoted) return false
    quoted = true
    return quoteEscapedInputs(engine.connection, opened)
  }
  sources.set(engine.connection, opened)
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

/** The views openUsage defines over a source's inputs. */
async function createSourceViews(connection: DuckDBConnection, inputs: InputFile[]): Promise<void> {
  await createUsageView(connection, 'usage', inputs, {withFileIndex: inputs.length > 1})
  await createUsageView(connection, PARSED_VIEW, inputs, {withFileIndex: inputs.length > 1, parsedCredits: true})
}

/**
 * Copies every input holding an escaped comma or line break with those fields quoted (escaped-inputs.ts) and
 * redefines the views over the copies, in input order (so INPUT_FILE_INDEX keeps its meaning).
 */
async function quoteEscapedInputs(connection: DuckDBConnection, opened: OpenedSource): Promise<boolean> {
  const copyOf = new Map<string, string>()
  const inputs: InputFile[] = []
  for (const [index, input] of opened.inputs.entries()) {
    const target = join(opened.workDir, `escaped-${index}.csv`)
    let quoted: number
    try {
      quoted = await quoteEscapedFields(input, target)
    } catch {
      // Not readable as CSV records: the scan's own error says what is wrong with the file.
      return false
    }
    if (quoted === 0) {
      inputs.push(input)
      continue
    }
    note(`input: ${quoted} field(s) with escaped separators quoted in a copy of ${input.path}`)
    inputs.push({path: target, gzip: false, header: input.header})
    copyOf.set(target, input.path)
  }
  if (copyOf.size === 0) return false
  await createSourceViews(connection, inputs)
  opened.inputs = inputs
  opened.copyOf = copyOf
  return true
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
  // Not the file's fault: the scan needed more than DuckDB's budget.
  const memory = outOfMemoryError(error)
  if (memory) return memory
  const message = error instanceof Error ? error.message : String(error)
  const file = /^\s*file = (.+)$/m.exec(message)?.[1]?.trim() ?? (inputs.length === 1 ? inputs[0].path : 'one of the input files')
  const line = /CSV Error on Line: (\d+)/.exec(message)?.[1]
  const where = line ? `${file}, line ${line}` : file
  const columns = /^Expected Number of Columns: (\d+) Found: (\d+)/m.exec(message)
  if (columns) return raggedRowError(where, Number(columns[1]), Number(columns[2]))
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
    // The export writes names unquoted, quotes included, so a name starting with one reads as a quoted field.
    return new InputFileError(
      'E_INPUT_QUOTE',
      `Input file ${where}: a quoted field is not closed (a name that starts with a quote, such as "fast" build, reads as one: the export writes names unquoted); remove that quote from the name in the file, or re-export the file if it was cut short.`,
    )
  }
  const conversion = /Error when converting column "([^"]+)"\. Could not convert string "([^"]*)"/.exec(message)
  if (conversion) {
    // DuckDB converts a row's fields before it counts them, so a row with a comma too many shows up as a value
    // that does not fit the column it shifted into; counting the row's fields names the real fault.
    const expected = (inputs.find((input) => input.path === file) ?? (inputs.length === 1 ? inputs[0] : undefined))?.header.length
    // DuckDB quotes a row that spans lines (a quoted line break) only up to its first line break: not counted.
    const quoted = /^Original Line: (.*)$/m.exec(message)?.[1]
    const found = quoted === undefined ? undefined : fieldCountOf(quoted)
    if (expected !== undefined && found !== undefined && found !== expected) return raggedRowError(where, expected, found)
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

/** Failures of the file's content that an escaped comma or line break causes: a field too many or too few, a shifted value. */
const ESCAPE_SYMPTOMS = new Set(['E_INPUT_RAGGED', 'E_INPUT_VALUE'])

/**
 * A CR in an unquoted field (a name holding CR LF, written `\r\\\n` by an export delimited by LF) stops DuckDB's
 * reader in an "invalid state" rather than with a row count, before it meets the escaped line break after it.
 */
const CR_IN_FIELD = /CSV Parser state machine reached an invalid state/

function escapeSymptom(error: Error, cause: unknown): boolean {
  if (!(error instanceof CciUsageError)) return false
  return ESCAPE_SYMPTOMS.has(error.code) || (error.code === 'E_INPUT_UNREADABLE' && CR_IN_FIELD.test(cause instanceof Error ? cause.message : String(cause)))
}

/** `error` naming the user's files where it names a quoted copy of one. */
function namingUserFiles(error: Error, copyOf: ReadonlyMap<string, string> | undefined): Error {
  if (copyOf) for (const [copy, original] of copyOf) error.message = error.message.replaceAll(copy, original)
  return error
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
  if (scanned.status === 'rejected') {
    const opened = sources.get(source.connection)
    const error = namingUserFiles(translate(scanned.reason, inputsOf(source)), opened?.copyOf)
    // A name with an escaped comma or line break: read the inputs again through quoted copies, once.
    if (!escapeSymptom(error, scanned.reason) || !(await opened?.quoteEscapes?.())) throw error
    return scanChecked(source, scan, translate)
  }
  return {result: scanned.value, checked: checked.value}
}

/**
 * Runs a query against the usage view, turning CSV reader failures (ragged row, bad value) into one-line
 * InputFileErrors, after the inputs passed their byte check. Use it for the first query that touches a new input.
 */
export async function queryUsage(source: UsageSource, sql: string) {
  return (await scanChecked(source, () => source.connection.runAndReadAll(sql))).result
}
