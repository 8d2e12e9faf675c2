/**
 * Streams one export file into a Postgres `COPY ... FROM STDIN (FORMAT csv)` as the export's own bytes: the
 * header is left out (the COPY names the columns in the file's order), rows pass unchanged unless they must be
 * dropped (a later input holds their JOB_ID; an unidentifiable row of a partly covered day) or rewritten (an
 * empty or `\N` cell becomes the export's `\\N` null token, which the COPY declares; columns the table does not
 * have are cut out). The RFC 4180 quoting of names with commas, quotes or line breaks passes through as is.
 * A bare quote inside an unquoted field (the API does not quote, so `a"b` is a name holding a quote, as the
 * report's reader takes it) is sent quoted (`"a""b"`): Postgres' CSV COPY would take it for a quoted section and
 * drop it, or run into the next fields. A field with the export's escapes (`x86\, linux`, `a\\b`;
 * core/export-escapes.ts) is sent unescaped and quoted, as the report and the lake name it.
 */
import type {Writable} from 'node:stream'

import {inputChunks, type InputFile} from '../analysis/input-files.js'
import {InputFileError, raggedRowError} from '../core/errors.js'
import {NAME_COLUMNS, unescapeText} from '../core/export-escapes.js'
import {CSV_NULL} from '../core/usage-columns.js'
import {ChunkedOutput} from '../export/chunked-output.js'
import {CsvFormatError, fieldText, RecordSplitter, type RecordVisitor} from '../export/records.js'
import {WAREHOUSE_COLUMN_BY_SOURCE} from './columns.js'

const NULL_BYTES = Buffer.from(CSV_NULL)
const BACKSLASH = 0x5c
const CR = 0x0d
const LETTER_N = 0x4e
const COMMA = 0x2c
const QUOTE = 0x22

export interface CopyColumns {
  /** Table columns, in the file's order, for the COPY's column list. */
  names: string[]
  /** Per file field: whether it goes to the table. */
  loaded: boolean[]
  /** Header names the table has no column for. */
  unknown: string[]
}

export function copyColumnsFor(header: readonly string[]): CopyColumns {
  const names: string[] = []
  const unknown: string[] = []
  const loaded = header.map((name) => {
    const column = WAREHOUSE_COLUMN_BY_SOURCE.get(name.toUpperCase())
    if (column) names.push(column.name)
    else unknown.push(name)
    return column !== undefined
  })
  return {names, loaded, unknown}
}

export interface CopyFileOptions {
  file: InputFile
  fileIndex: number
  /** JOB_IDs found in several inputs, and the input whose row is kept. */
  keepFileOf: ReadonlyMap<string, number>
  /** Days this file holds whole: a row without JOB_ID is loaded only on one of these (with an organization). */
  wholeDays: ReadonlySet<string>
  /** True when some rows without JOB_ID lie outside whole days (so every such row must be checked). */
  dropUnidentified: boolean
  /**
   * Organization and day pairs (`org\u0000day`) another input of the load holds whole too and keeps the rows
   * without a JOB_ID of (LoadPlan.joblessKeep): this file's such rows there are not loaded.
   */
  joblessElsewhere: ReadonlySet<string>
  /**
   * Receives, before the first row is sent, the map from the COPY's data lines to the file's lines as far as
   * sent: a value the server refuses mid-stream is then named by its line in the file too.
   */
  onLineMap?: (sourceLine: (copyLine: number) => number) => void
}

export interface CopyFileResult {
  rows: number
  /** The 1-based line of `file` that the COPY's data line `copyLine` came from. */
  sourceLine(copyLine: number): number
}

function isNullToken(raw: string): boolean {
  return raw === '' || raw === '\\N' || raw === CSV_NULL
}

class CopyVisitor implements RecordVisitor {
  private seenHeader = false
  private readonly fieldCount: number
  private readonly allLoaded: boolean
  private readonly jobIndex: number
  private readonly orgIndex: number
  private readonly dayIndex: number
  /** Per file field: whether it is a name column, where the export's escapes are removed. */
  private readonly nameFields: boolean[]
  rows = 0
  /** [copy line, source line] wherever the offset between the two changes. */
  readonly checkpoints: Array<[number, number]> = []
  private offset = Number.NaN

  constructor(
    private readonly options: CopyFileOptions,
    private readonly columns: CopyColumns,
    private readonly output: ChunkedOutput,
  ) {
    const upper = options.file.header.map((name) => name.toUpperCase())
    this.fieldCount = upper.length
    this.allLoaded = columns.loaded.every(Boolean)
    this.jobIndex = upper.indexOf('JOB_ID')
    this.orgIndex = upper.indexOf('ORGANIZATION_ID')
    this.dayIndex = upper.indexOf('JOB_RUN_DATE')
    this.nameFields = upper.map((name, index) => columns.loaded[index] && NAME_COLUMNS.has(name))
  }

  record(buf: Buffer, start: number, contentEnd: number, next: number, separators: Int32Array, fieldCount: number, line: number): void {
    if (contentEnd === start) return
    if (!this.seenHeader) {
      this.seenHeader = true
      return
    }
    if (fieldCount !== this.fieldCount) {
      throw raggedRowError(`${this.options.file.path}, line ${line}`, this.fieldCount, fieldCount)
    }
    if (this.dropped(buf, start, contentEnd, separators, fieldCount)) return
    this.rows++
    if (line - this.rows !== this.offset) {
      this.offset = line - this.rows
      this.checkpoints.push([this.rows, line])
    }
    if (this.allLoaded && !this.needsRewrite(buf, start, contentEnd, separators, fieldCount)) {
      this.output.append(buf, start, contentEnd)
    } else {
      this.rewrite(buf, start, contentEnd, separators, fieldCount)
    }
    this.output.appendNewline()
  }

  private field(buf: Buffer, start: number, contentEnd: number, separators: Int32Array, fieldCount: number, index: number): string | null {
    if (index < 0) return null
    const text = fieldText(buf, start, contentEnd, separators, fieldCount, index)
    return isNullToken(text) ? null : text
  }

  private dropped(buf: Buffer, start: number, contentEnd: number, separators: Int32Array, fieldCount: number): boolean {
    const {keepFileOf, dropUnidentified, wholeDays, fileIndex, joblessElsewhere: elsewhere} = this.options
    if (keepFileOf.size === 0 && !dropUnidentified && elsewhere.size === 0) return false
    const job = this.field(buf, start, contentEnd, separators, fieldCount, this.jobIndex)
    if (job !== null) {
      const keep = keepFileOf.get(job)
      return keep !== undefined && keep !== fileIndex
    }
    if (!dropUnidentified && elsewhere.size === 0) return false
    const org = this.field(buf, start, contentEnd, separators, fieldCount, this.orgIndex)
    const day = this.field(buf, start, contentEnd, separators, fieldCount, this.dayIndex)
    if (org === null || day === null || !wholeDays.has(day.slice(0, 10))) return dropUnidentified
    return elsewhere.has(`${org}\u0000${day.slice(0, 10)}`)
  }

  /**
   * An empty cell, unquoted or quoted (`""`, as a CSV re-saved by another tool has it), or `\N`: the export's
   * other spellings of null. The report's reader and the lake take `""` for null too; sent as it is, Postgres'
   * CSV COPY refused it in a numeric column and stored an empty string (not NULL) in a text one.
   */
  private static isLooseNull(buf: Buffer, from: number, to: number): boolean {
    return from === to || (to - from === 2 && ((buf[from] === BACKSLASH && buf[from + 1] === LETTER_N) || (buf[from] === QUOTE && buf[from + 1] === QUOTE)))
  }

  /** A quote in a field that does not start with one: a character of the name, not RFC 4180 quoting. */
  private static isBareQuoted(buf: Buffer, from: number, to: number): boolean {
    return to > from && buf[from] !== QUOTE && buf.subarray(from, to).includes(QUOTE)
  }

  /**
   * Whether a field must be rewritten: a loose null becomes the export's token, a bare quote is quoted, escapes
   * are removed.
   */
  private needsRewrite(buf: Buffer, start: number, contentEnd: number, separators: Int32Array, fieldCount: number): boolean {
    const quoted = buf.subarray(start, contentEnd).includes(QUOTE)
    let from = start
    for (let i = 0; i < fieldCount; i++) {
      const to = i === fieldCount - 1 ? contentEnd : separators[i]
      if (CopyVisitor.isLooseNull(buf, from, to) || (quoted && CopyVisitor.isBareQuoted(buf, from, to))) return true
      if (this.nameFields[i] && holdsEscape(buf, from, to)) return true
      from = to + 1
    }
    return false
  }

  private rewrite(buf: Buffer, start: number, contentEnd: number, separators: Int32Array, fieldCount: number): void {
    let from = start
    let first = true
    for (let i = 0; i < fieldCount; i++) {
      const to = i === fieldCount - 1 ? contentEnd : separators[i]
      if (this.columns.loaded[i]) {
        if (!first) this.output.append(COMMA_BYTE, 0, 1)
        first = false
        if (CopyVisitor.isLooseNull(buf, from, to)) this.output.append(NULL_BYTES, 0, NULL_BYTES.length)
        else if (this.nameFields[i] && holdsEscape(buf, from, to)) this.appendUnescaped(buf, start, contentEnd, separators, fieldCount, i)
        else if (CopyVisitor.isBareQuoted(buf, from, to)) this.output.appendQuoted(buf, from, to)
        else this.output.append(buf, from, to)
      }
      from = to + 1
    }
  }

  /** Field `index` unescaped (its RFC 4180 quotes removed first), as a quoted field: a name, never the null. */
  private appendUnescaped(buf: Buffer, start: number, contentEnd: number, separators: Int32Array, fieldCount: number, index: number): void {
    const value = Buffer.from(unescapeText(fieldText(buf, start, contentEnd, separators, fieldCount, index)))
    this.output.appendQuoted(value, 0, value.length)
  }
}

/**
 * Whether the field [from, to) holds a backslash other than as the `\\N` token (an escape), or a CR (a name's lone
 * CR arrives bare, and Postgres' CSV COPY refuses one unquoted). A byte loop over the name fields, which are
 * short: on the 1 GB bench export it adds ~0.5 CPU-second to the copy (3.5-3.9 s before), where a Buffer.indexOf
 * per backslash of the row added ~1.2.
 */
function holdsEscape(buf: Buffer, from: number, to: number): boolean {
  if (isNullTokenAt(buf, from, to)) return false
  for (let at = from; at < to; at++) if (buf[at] === BACKSLASH || buf[at] === CR) return true
  return false
}

/** Whether [from, to) is the export's null token as written, `\\N`. */
function isNullTokenAt(buf: Buffer, from: number, to: number): boolean {
  return to - from === 3 && buf[from] === BACKSLASH && buf[from + 1] === BACKSLASH && buf[from + 2] === LETTER_N
}

const COMMA_BYTE = Buffer.from([COMMA])

/** Writes the file's rows into `sink` (a COPY stream), honouring its backpressure; does not end it. */
export async function copyFileInto(sink: Writable, options: CopyFileOptions, columns: CopyColumns): Promise<CopyFileResult> {
  const output = new ChunkedOutput(sink)
  const visitor = new CopyVisitor(options, columns, output)
  const splitter = new RecordSplitter(visitor)
  const checkpoints = visitor.checkpoints
  const sourceLine = (copyLine: number): number => {
    let best: [number, number] = [1, 2]
    for (const checkpoint of checkpoints) {
      if (checkpoint[0] > copyLine) break
      best = checkpoint
    }
    return best[1] + (copyLine - best[0])
  }
  options.onLineMap?.(sourceLine)
  const reading = inputChunks(options.file)
  try {
    for await (const chunk of reading.chunks) {
      splitter.push(chunk)
      output.flush()
      await output.backpressure()
    }
    splitter.end()
    output.flush()
    await output.backpressure()
  } catch (error) {
    reading.destroy()
    if (error instanceof CsvFormatError) {
      throw new InputFileError('E_INPUT_QUOTE', `Input file ${options.file.path}, line ${error.line}: ${error.message}; fix or re-export the file.`)
    }
    throw error
  }
  return {rows: visitor.rows, sourceLine}
}
