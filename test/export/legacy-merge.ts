/**
 * The merge as it was before issue 15 (one streamed pass over every part after all downloads, gunzip included),
 * kept verbatim as the oracle the single-pass merge (src/export/merge.ts, part-scan.ts) must match byte for byte.
 * Test code only.
 */
import {createReadStream} from 'node:fs'
import {stat} from 'node:fs/promises'
import {createGunzip} from 'node:zlib'

import {createAtomicWriteStream} from '../../src/core/atomic.js'
import {ApiError} from '../../src/core/errors.js'
import {asFileSystemError} from '../../src/core/fs-errors.js'
import {isZlibError} from '../../src/core/gzip.js'
import {ChunkedOutput, describeHeaderDifference, headerMismatch, type MergeOptions, type MergePart, type MergeResult} from '../../src/export/merge.js'
import {CsvFormatError, fieldText, recordFields, RecordSplitter, type RecordVisitor} from '../../src/export/records.js'
import {Utf8Validator} from '../../src/export/utf8.js'

const NULL_TOKENS = new Set(['', '\\N', '\\\\N'])
const READ_CHUNK = 1024 * 1024

function normalizeName(name: string): string {
  return name.replace(/^\uFEFF/, '').trim().toUpperCase()
}

class MergeState implements RecordVisitor {
  header: string[] | undefined
  private headerNames: string[] = []
  private fieldCount = 0
  private jobIdIndex = -1
  private runDateIndex = -1
  private readonly seen = new Map<string, number>()
  rows = 0
  duplicatesDropped = 0

  // Per part
  part!: MergePart
  partRows = 0
  private expectHeader = true
  private runBuffer: Buffer | undefined
  private runStart = 0
  private runEnd = 0
  private readonly windowHeaders = new Map<number, readonly string[]>()

  constructor(
    readonly output: ChunkedOutput,
    private readonly boundaryDays: ReadonlySet<string>,
    private readonly multiWindow: boolean,
  ) {}

  beginPart(part: MergePart): void {
    this.part = part
    this.partRows = 0
    this.expectHeader = true
  }

  endPart(): void {
    this.flushRun()
    if (this.expectHeader) throw new ApiError('E_PART_EMPTY', `${this.part.label} is empty (no CSV header); rerun the export to fetch it again.`)
  }

  record(buf: Buffer, start: number, contentEnd: number, next: number, separators: Int32Array, fieldCount: number, line: number): void {
    if (contentEnd === start) {
      // A blank line is not a row; leaving it out keeps the merged file loadable.
      this.flushRun()
      return
    }
    if (this.expectHeader) {
      this.expectHeader = false
      this.flushRun()
      this.acceptHeader(recordFields(buf, start, contentEnd, separators, fieldCount), buf, start, contentEnd)
      return
    }
    if (fieldCount !== this.fieldCount) {
      throw new ApiError(
        'E_PART_RAGGED_ROW',
        `${this.part.label}, line ${line}: ${fieldCount} fields where the header has ${this.fieldCount}; the export is damaged, rerun it (nothing was written).` +
          // The one change to the oracle since: a row with a field too many may be a name holding a comma.
          (fieldCount > this.fieldCount ? ' If the rerun brings the same line back, a value in it holds a comma the export did not escape (\\,).' : ''),
      )
    }
    if (this.multiWindow && this.isDuplicate(buf, start, contentEnd, separators, fieldCount)) {
      this.duplicatesDropped++
      this.flushRun()
      return
    }
    this.rows++
    this.partRows++
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
    if (this.header === undefined) {
      this.header = names.map((name) => name.replace(/^\uFEFF/, '').trim())
      this.headerNames = this.header.map(normalizeName)
      this.fieldCount = names.length
      this.jobIdIndex = this.headerNames.indexOf('JOB_ID')
      this.runDateIndex = this.headerNames.indexOf('JOB_RUN_DATE')
      if (this.multiWindow && this.jobIdIndex === -1) {
        throw new ApiError('E_PART_NO_JOB_ID', `${this.part.label} has no JOB_ID column, so rows of adjacent windows cannot be de-duplicated; export a range of at most 31 days.`)
      }
      let from = start
      if (buf[from] === 0xef && buf[from + 1] === 0xbb && buf[from + 2] === 0xbf) from += 3
      this.output.append(buf, from, contentEnd)
      this.output.appendNewline()
      this.windowHeaders.set(this.part.window, names)
      return
    }
    const own = this.windowHeaders.get(this.part.window)
    const difference = describeHeaderDifference(own ?? this.header, names)
    if (difference !== undefined) throw headerMismatch(this.part, difference, own !== undefined)
    if (own === undefined) this.windowHeaders.set(this.part.window, names)
  }

  private isDuplicate(buf: Buffer, start: number, contentEnd: number, separators: Int32Array, fieldCount: number): boolean {
    if (this.runDateIndex !== -1) {
      const day = fieldText(buf, start, contentEnd, separators, fieldCount, this.runDateIndex)
      if (!this.boundaryDays.has(day.slice(0, 10)) && !NULL_TOKENS.has(day)) return false
    }
    const jobId = fieldText(buf, start, contentEnd, separators, fieldCount, this.jobIdIndex)
    // Added with the job-less boundary fix (not in the original streamed merge): a row without a JOB_ID that an
    // earlier window holds byte for byte is the same boundary repeat, up to as many copies as that window holds.
    if (NULL_TOKENS.has(jobId)) return this.isRowRepeat(buf.toString('utf8', start, contentEnd))
    const seenIn = this.seen.get(jobId)
    if (seenIn === undefined) {
      this.seen.set(jobId, this.part.window)
      return false
    }
    // Within one job JOB_IDs are unique; a repeat from another window is the boundary overlap.
    return seenIn !== this.part.window
  }

  private readonly rowCopies = new Map<string, {window: number; copies: number}>()
  private readonly rowRepeats = new Map<string, number>()

  private isRowRepeat(row: string): boolean {
    const first = this.rowCopies.get(row)
    if (first === undefined) {
      this.rowCopies.set(row, {window: this.part.window, copies: 1})
      return false
    }
    if (first.window === this.part.window) {
      first.copies++
      return false
    }
    const key = `${this.part.window}:${row}`
    const repeats = this.rowRepeats.get(key) ?? 0
    if (repeats >= first.copies) return false
    this.rowRepeats.set(key, repeats + 1)
    return true
  }
}

async function mergeOnePart(state: MergeState, part: MergePart): Promise<void> {
  state.beginPart(part)
  const splitter = new RecordSplitter(state)
  const utf8 = new Utf8Validator()
  const file = createReadStream(part.path, {highWaterMark: READ_CHUNK})
  const source = part.path.endsWith('.gz') ? file.pipe(createGunzip({chunkSize: 256 * 1024})) : file
  file.on('error', (error) => source.destroy(error))
  const notUtf8 = (line: number) =>
    new ApiError('E_PART_NOT_UTF8', `${part.label}, line ${line}: the file is not UTF-8 (as the Usage API writes it); rerun the export.`)
  try {
    for await (const chunk of source) {
      const bad = utf8.check(chunk as Buffer)
      if (bad !== -1) throw notUtf8(splitter.lineOf(chunk as Buffer, bad))
      splitter.push(chunk as Buffer)
      state.flushRun()
      await state.output.backpressure()
    }
    if (utf8.endsInsideCharacter()) throw notUtf8(splitter.lineOf(Buffer.alloc(0), 0))
    splitter.end()
  } catch (error) {
    file.destroy()
    if (error instanceof CsvFormatError) {
      throw new ApiError('E_PART_BAD_CSV', `${part.label}, line ${error.line}: ${error.message}; rerun the export.`)
    }
    if (isZlibError(error)) {
      throw new ApiError('E_PART_CORRUPT', `${part.label} is not a complete gzip file; delete ${part.path} and rerun the export.`)
    }
    throw error
  }
  state.endPart()
}

/**
 * Streams the parts into one CSV: the header once, every row's bytes unchanged, rows repeated across adjacent
 * windows dropped (counted). Memory stays bounded: only JOB_IDs of rows near a window boundary are remembered.
 * Written to a temporary file that replaces `outPath` only when every part merged cleanly.
 */
export async function legacyMergeParts(options: MergeOptions): Promise<MergeResult> {
  const target = await createAtomicWriteStream(options.outPath)
  const output = new ChunkedOutput(target.stream)
  const windows = new Set(options.parts.map((part) => part.window))
  const state = new MergeState(output, new Set(options.boundaryDays ?? []), windows.size > 1)
  const partRows: number[] = []
  try {
    for (const part of options.parts) {
      await mergeOnePart(state, part)
      partRows.push(state.partRows)
    }
    if (state.header === undefined) {
      const headerLine = Buffer.from(options.emptyHeader.join(',') + '\n')
      output.append(headerLine, 0, headerLine.length)
    }
    output.flush()
    await target.commit()
  } catch (error) {
    await target.abort()
    throw asFileSystemError(error, options.outPath)
  }
  const {size} = await stat(options.outPath)
  return {
    rows: state.rows,
    duplicatesDropped: state.duplicatesDropped,
    bytes: size,
    partRows,
    header: state.header ?? [...options.emptyHeader],
  }
}
