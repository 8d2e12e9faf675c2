import {createReadStream} from 'node:fs'
import {stat} from 'node:fs/promises'
import {once} from 'node:events'
import type {Writable} from 'node:stream'
import {createGunzip} from 'node:zlib'

import {createAtomicWriteStream} from '../core/atomic.js'
import {ApiError} from '../core/errors.js'
import {asFileSystemError} from '../core/fs-errors.js'
import {isZlibError} from '../core/gzip.js'
import {CsvFormatError, fieldText, recordFields, RecordSplitter, type RecordVisitor} from './records.js'
import {Utf8Validator} from './utf8.js'

export interface MergePart {
  /** A .csv.gz (gunzipped while read) or a plain .csv file. */
  path: string
  /** How messages name the part, e.g. "part 2 of 4 of job 6d0...". Never a URL. */
  label: string
  /** Index of the export window the part belongs to: duplicates are only looked for across windows. */
  window: number
}

export interface MergeOptions {
  parts: readonly MergePart[]
  outPath: string
  /** YYYY-MM-DD days near window boundaries: only rows whose JOB_RUN_DATE is one of them can be duplicates. */
  boundaryDays?: readonly string[]
  /** The header written when there is no part at all (an export with no usage). */
  emptyHeader: readonly string[]
}

export interface MergeResult {
  rows: number
  duplicatesDropped: number
  /** Bytes of the merged CSV. */
  bytes: number
  /** Data rows kept from each part, in the order of `parts`. */
  partRows: number[]
  header: string[]
}

const NULL_TOKENS = new Set(['', '\\N', '\\\\N'])
const OUTPUT_CHUNK = 4 * 1024 * 1024
const READ_CHUNK = 1024 * 1024

/** Collects output in large buffers so the file gets a few big writes instead of one per row. */
export class ChunkedOutput {
  private buffer = Buffer.allocUnsafe(OUTPUT_CHUNK)
  private used = 0
  bytes = 0
  private blocked = false

  constructor(private readonly stream: Writable) {}

  append(source: Buffer, from: number, to: number): void {
    let start = from
    while (start < to) {
      const room = this.buffer.length - this.used
      if (room === 0) {
        this.flush()
        continue
      }
      const take = Math.min(room, to - start)
      source.copy(this.buffer, this.used, start, start + take)
      this.used += take
      start += take
    }
  }

  appendNewline(): void {
    if (this.used === this.buffer.length) this.flush()
    this.buffer[this.used++] = 10
  }

  flush(): void {
    if (this.used === 0) return
    // The stream keeps the buffer until written, so the next bytes go to a fresh one.
    const full = this.buffer.subarray(0, this.used)
    this.bytes += full.length
    if (!this.stream.write(full)) this.blocked = true
    this.buffer = Buffer.allocUnsafe(OUTPUT_CHUNK)
    this.used = 0
  }

  async backpressure(): Promise<void> {
    // A stream that failed (disk full) emits no more 'drain': stop here rather than wait for it forever.
    if (this.stream.errored) throw this.stream.errored
    if (!this.blocked) return
    this.blocked = false
    await once(this.stream, 'drain')
  }
}

function normalizeName(name: string): string {
  return name.replace(/^\uFEFF/, '').trim().toUpperCase()
}

/** Finds the first column where two headers differ, in words a user can act on. */
export function describeHeaderDifference(expected: readonly string[], actual: readonly string[]): string | undefined {
  const longest = Math.max(expected.length, actual.length)
  for (let i = 0; i < longest; i++) {
    const want = expected[i]
    const got = actual[i]
    if (want !== undefined && got !== undefined && normalizeName(want) === normalizeName(got)) continue
    if (got === undefined) return `lacks column ${want} (column ${i + 1})`
    if (want === undefined) return `has an extra column ${got} (column ${i + 1})`
    return `has column ${got} where ${want} was expected (column ${i + 1})`
  }
  return undefined
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
        `${this.part.label}, line ${line}: ${fieldCount} fields where the header has ${this.fieldCount}; the export is damaged, rerun it (nothing was written).`,
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
      return
    }
    const difference = describeHeaderDifference(this.header, names)
    if (difference !== undefined) {
      throw new ApiError(
        'E_PART_HEADER_MISMATCH',
        `${this.part.label} ${difference}; its columns differ from the first part, so it cannot be merged (nothing was written).`,
      )
    }
  }

  private isDuplicate(buf: Buffer, start: number, contentEnd: number, separators: Int32Array, fieldCount: number): boolean {
    if (this.runDateIndex !== -1) {
      const day = fieldText(buf, start, contentEnd, separators, fieldCount, this.runDateIndex)
      if (!this.boundaryDays.has(day.slice(0, 10)) && !NULL_TOKENS.has(day)) return false
    }
    const jobId = fieldText(buf, start, contentEnd, separators, fieldCount, this.jobIdIndex)
    if (NULL_TOKENS.has(jobId)) return false
    const seenIn = this.seen.get(jobId)
    if (seenIn === undefined) {
      this.seen.set(jobId, this.part.window)
      return false
    }
    // Within one job JOB_IDs are unique; a repeat from another window is the boundary overlap.
    return seenIn !== this.part.window
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
export async function mergeParts(options: MergeOptions): Promise<MergeResult> {
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
