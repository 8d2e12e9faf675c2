import {createReadStream, createWriteStream} from 'node:fs'
import {rename, rm} from 'node:fs/promises'
import {Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {createGunzip} from 'node:zlib'

import {ApiError} from '../core/errors.js'
import {removeOnExit} from '../core/exit-cleanup.js'
import {asFileSystemError} from '../core/fs-errors.js'
import {isZlibError} from '../core/gzip.js'
import {ChunkedOutput} from './chunked-output.js'
import {CsvFormatError, fieldText, recordFields, RecordSplitter, type RecordVisitor} from './records.js'
import {Utf8Validator} from './utf8.js'

/**
 * One part's single pass: its decompressed bytes are checked (UTF-8, RFC 4180 records within the length limit,
 * every row as many fields as the part's header) and its rows written to a plain CSV beside the .gz, in exactly
 * the bytes the merged usage.csv will hold (CRLF turned into LF, blank lines left out). What the merge needs
 * from the part is recorded: the header (BOM dropped), the row count and, for rows that may be repeated by an
 * adjacent window, their JOB_ID and byte range. The merge then only copies bytes.
 */
export const PART_SCAN_VERSION = 2

/**
 * Starts a candidate key that is a whole row rather than a JOB_ID: a row without a JOB_ID on a boundary day is
 * served by both windows too, and only its bytes can tell the repeat. No JOB_ID starts with a NUL.
 */
export const ROW_KEY_PREFIX = '\u0000'

/** A failure found in the part's content, reported by the merge in part order (one line, like every error). */
export interface PartScanError {
  code: string
  message: string
}

export interface PartScan {
  version: typeof PART_SCAN_VERSION
  /** The header's field texts as the part has them (quotes removed); undefined: the part had no header. */
  header?: string[]
  /** The header line as usage.csv starts with it (without BOM or line end); the plain CSV holds the rows only. */
  headerLine?: string
  /** Data rows in the plain CSV. */
  rows: number
  /** Size of the plain CSV. */
  csvBytes: number
  /** Rows a previous window may hold too: [JOB_ID or ROW_KEY_PREFIX + the row, start, end) in the plain CSV, in file order. */
  candidates: [string, number, number][]
  /** What the candidates were chosen by (collectRepeats and the boundary days), so other windows rescan. */
  repeatKey: string
  error?: PartScanError
}

export interface PartScanOptions {
  /** How messages name the part, e.g. "part 2 of 4 of job 6d0...". Never a URL. */
  label: string
  /** YYYY-MM-DD days near window boundaries: rows of other days are never repeats. */
  boundaryDays: readonly string[]
  /** Whether the export has several windows, so rows can be repeats at all. */
  collectRepeats: boolean
}

const NULL_TOKENS = new Set(['', '\\N', '\\\\N'])
const READ_CHUNK = 1024 * 1024
/** Each part's plain CSV is written 1 MB at a time: several parts are scanned at once, each with its buffers. */
const OUTPUT_CHUNK = 1024 * 1024
/** Gunzip output per call: zlib works on the thread pool, and larger slices mean fewer hand-offs. */
export const GUNZIP_CHUNK = 256 * 1024

export function normalizeName(name: string): string {
  return name.replace(/^\uFEFF/, '').trim().toUpperCase()
}

export function repeatKey(options: Pick<PartScanOptions, 'boundaryDays' | 'collectRepeats'>): string {
  return options.collectRepeats ? [...options.boundaryDays].sort().join(',') : 'none'
}

class ScanFailure extends Error {
  constructor(readonly failure: PartScanError) {
    super(failure.message)
  }
}

/** The content problem `error` stands for, or undefined for anything else (a bug, a write error). */
function contentFailure(error: unknown, label: string): PartScanError | undefined {
  if (error instanceof ScanFailure) return error.failure
  if (error instanceof CsvFormatError) return {code: 'E_PART_BAD_CSV', message: `${label}, line ${error.line}: ${error.message}; rerun the export.`}
  return undefined
}

/** The record visitor: validates rows and appends them to the plain output, recording repeat candidates. */
class PartScanState implements RecordVisitor {
  header: string[] | undefined
  headerLine: string | undefined
  rows = 0
  readonly candidates: [string, number, number][] = []
  private fieldCount = 0
  private jobIdIndex = -1
  private runDateIndex = -1
  private runBuffer: Buffer | undefined
  private runStart = 0
  private runEnd = 0
  private readonly days: ReadonlySet<string>
  private readonly collect: boolean

  constructor(
    readonly output: ChunkedOutput,
    private readonly label: string,
    options: PartScanOptions,
  ) {
    this.days = new Set(options.boundaryDays)
    this.collect = options.collectRepeats
  }

  record(buf: Buffer, start: number, contentEnd: number, next: number, separators: Int32Array, fieldCount: number, line: number): void {
    if (contentEnd === start) {
      // A blank line is not a row; leaving it out keeps the merged file loadable.
      this.flushRun()
      return
    }
    if (this.header === undefined) {
      this.flushRun()
      this.acceptHeader(recordFields(buf, start, contentEnd, separators, fieldCount), buf, start, contentEnd)
      return
    }
    if (fieldCount !== this.fieldCount) {
      throw new ScanFailure({
        code: 'E_PART_RAGGED_ROW',
        message:
          `${this.label}, line ${line}: ${fieldCount} fields where the header has ${this.fieldCount}; the export is damaged, rerun it (nothing was written).` +
          // A download cut or garbled is fixed by a rerun; a name with a comma in it comes back in every export.
          (fieldCount > this.fieldCount ? ' If the rerun brings the same line back, a value in it holds a comma the export did not escape (\\,).' : ''),
      })
    }
    this.rows++
    if (this.collect && this.jobIdIndex !== -1) this.noteCandidate(buf, start, contentEnd, separators, fieldCount)
    if (next - contentEnd === 1 && buf[contentEnd] === 10) {
      if (this.runBuffer === buf && this.runEnd === start) {
        this.runEnd = next
      } else {
        this.flushRun()
        this.runBuffer = buf
        this.runStart = start
        this.runEnd = next
      }
    } else {
      // CRLF (or a last line without terminator): the record's bytes pass unchanged, the line end becomes LF.
      this.flushRun()
      this.output.append(buf, start, contentEnd)
      this.output.appendNewline()
    }
  }

  flushRun(): void {
    if (this.runBuffer !== undefined && this.runEnd > this.runStart) {
      this.output.append(this.runBuffer, this.runStart, this.runEnd)
    }
    this.runBuffer = undefined
    this.runStart = 0
    this.runEnd = 0
  }

  private acceptHeader(names: string[], buf: Buffer, start: number, contentEnd: number): void {
    this.header = names
    const normalized = names.map(normalizeName)
    this.fieldCount = names.length
    this.jobIdIndex = normalized.indexOf('JOB_ID')
    this.runDateIndex = normalized.indexOf('JOB_RUN_DATE')
    let from = start
    if (buf[from] === 0xef && buf[from + 1] === 0xbb && buf[from + 2] === 0xbf) from += 3
    // Checked as UTF-8 before it was split, so the text holds exactly its bytes.
    this.headerLine = buf.toString('utf8', from, contentEnd)
  }

  /** A row on a boundary day (or without a day): keyed by its JOB_ID, or by its bytes when it has none. */
  private noteCandidate(buf: Buffer, start: number, contentEnd: number, separators: Int32Array, fieldCount: number): void {
    if (this.runDateIndex !== -1) {
      const day = fieldText(buf, start, contentEnd, separators, fieldCount, this.runDateIndex)
      if (!this.days.has(day.slice(0, 10)) && !NULL_TOKENS.has(day)) return
    }
    const jobId = fieldText(buf, start, contentEnd, separators, fieldCount, this.jobIdIndex)
    const key = NULL_TOKENS.has(jobId) ? ROW_KEY_PREFIX + buf.toString('utf8', start, contentEnd) : jobId
    // Where this row will start in the plain file: what is written, plus the run not yet flushed.
    const at = this.output.position + (this.runEnd - this.runStart)
    this.candidates.push([key, at, at + (contentEnd - start) + 1])
  }
}

/**
 * A Writable that takes a part's decompressed bytes and writes its plain CSV to `<plainPath>.partial`.
 * A content problem does not fail the stream (the gzip check must still run to its end, and the merge reports
 * problems in part order); a write error (disk full) does. commit() renames the file into place.
 */
export class PartScanner extends Writable {
  private readonly file: ReturnType<typeof createWriteStream>
  private readonly fileClosed: Promise<void>
  private readonly state: PartScanState
  private readonly splitter: RecordSplitter
  private readonly utf8 = new Utf8Validator()
  private failure: PartScanError | undefined
  private readonly partial: string
  /** Until commit or abort: a signal must not leave the half-written plain CSV. */
  private readonly forgetPartial: () => void

  constructor(
    private readonly plainPath: string,
    private readonly options: PartScanOptions,
  ) {
    super()
    this.partial = `${plainPath}.partial`
    this.forgetPartial = removeOnExit(this.partial)
    this.file = createWriteStream(this.partial)
    this.fileClosed = new Promise<void>((resolve, reject) => {
      this.file.once('close', resolve)
      this.file.once('error', reject)
    })
    this.fileClosed.catch(() => undefined)
    this.file.on('error', (error) => this.destroy(error))
    this.state = new PartScanState(new ChunkedOutput(this.file, {reuseBuffers: true, chunkBytes: OUTPUT_CHUNK}), options.label, options)
    this.splitter = new RecordSplitter(this.state)
  }

  private notUtf8(line: number): PartScanError {
    return {code: 'E_PART_NOT_UTF8', message: `${this.options.label}, line ${line}: the file is not UTF-8 (as the Usage API writes it); rerun the export.`}
  }

  /** Runs one step of the scan; a content problem is recorded (the scan stops), anything else is returned. */
  private step(action: () => void): Error | undefined {
    try {
      action()
      this.state.flushRun()
      return undefined
    } catch (error) {
      const failure = contentFailure(error, this.options.label)
      if (failure === undefined) return error as Error
      this.failure = failure
      return undefined
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.failure !== undefined) return done()
    const unexpected = this.step(() => {
      const bad = this.utf8.check(chunk)
      if (bad !== -1) this.failure = this.notUtf8(this.splitter.lineOf(chunk, bad))
      else this.splitter.push(chunk)
    })
    if (unexpected !== undefined) return done(unexpected)
    this.state.output.backpressure().then(() => done(), done)
  }

  override _final(done: (error?: Error | null) => void): void {
    const unexpected = this.failure !== undefined ? undefined : this.step(() => {
      if (this.utf8.endsInsideCharacter()) this.failure = this.notUtf8(this.splitter.lineOf(Buffer.alloc(0), 0))
      else this.splitter.end()
    })
    if (unexpected !== undefined) return done(unexpected)
    this.state.output.flush()
    this.file.end()
    this.fileClosed.then(() => done(), done)
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.file.destroy()
    done(error)
  }

  /** After the stream finished: the plain file in place, and what the merge needs. */
  async commit(): Promise<PartScan> {
    await rename(this.partial, this.plainPath)
    this.forgetPartial()
    const scan: PartScan = {
      version: PART_SCAN_VERSION,
      ...(this.state.header ? {header: this.state.header} : {}),
      ...(this.state.headerLine !== undefined ? {headerLine: this.state.headerLine} : {}),
      rows: this.state.rows,
      csvBytes: this.state.output.position,
      candidates: this.state.candidates,
      repeatKey: repeatKey(this.options),
      ...(this.failure ? {error: this.failure} : {}),
    }
    return scan
  }

  /** After a failed attempt: no plain file is left. */
  async abort(): Promise<void> {
    this.destroy()
    await this.fileClosed.catch(() => undefined)
    await rm(this.partial, {force: true})
    this.forgetPartial()
  }
}

/**
 * Scans a part already on disk (a kept .csv.gz whose plain CSV is missing or damaged, or any .csv/.csv.gz given
 * to mergeParts) into `plainPath`. A gzip that does not verify to its trailer is refused.
 */
export async function scanPartFile(path: string, plainPath: string, options: PartScanOptions): Promise<PartScan> {
  const scanner = new PartScanner(plainPath, options)
  const file = createReadStream(path, {highWaterMark: READ_CHUNK})
  try {
    if (path.endsWith('.gz')) await pipeline(file, createGunzip({chunkSize: GUNZIP_CHUNK}), scanner)
    else await pipeline(file, scanner)
    return await scanner.commit()
  } catch (error) {
    await scanner.abort()
    if (isZlibError(error)) {
      throw new ApiError('E_PART_CORRUPT', `${options.label} is not a complete gzip file; delete ${path} and rerun the export.`)
    }
    throw asFileSystemError(error, plainPath)
  }
}
