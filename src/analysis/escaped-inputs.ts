import {createWriteStream} from 'node:fs'
import {rm} from 'node:fs/promises'
import {finished} from 'node:stream/promises'

import {ChunkedOutput} from '../export/chunked-output.js'
import {RecordSplitter} from '../export/records.js'
import {inputChunks, type InputFile} from './input-files.js'

/**
 * DuckDB's CSV reader knows no escape outside quotes, so a row holding an escaped comma or line break (a name
 * such as `build (x86\, linux)`, core/export-escapes.ts) reads as a field too many or a row cut short. Such a
 * file is copied once, line for line, into the private work folder with each of those fields put in quotes, its
 * escapes kept (the report unescapes every name) and its quotes doubled; every other byte is the file's own. Only
 * a scan that failed on the file's content pays for this pass (engine.ts): an export without such names never does.
 *
 * The copy searches the bytes for a backslash before a comma or a line break (a native search) and splits only
 * the records holding one, so it runs near the disk's speed rather than at a JavaScript loop's over every byte.
 */

const BACKSLASH = 0x5c
const COMMA = 0x2c
const LF = 0x0a
const CR = 0x0d
const QUOTE = 0x22
// The last needle is a CR of a name: the export escapes only a line feed, so a name's lone CR arrives bare, and
// DuckDB outside quotes takes any CR for a line end.
const CANDIDATES = [Buffer.from('\\,'), Buffer.from('\\\n'), Buffer.from('\\\r'), Buffer.from('\r')]
const BARE_CR = CANDIDATES.length - 1

/**
 * Whether the unquoted field [from, to) holds a backslash escaping a byte DuckDB would split or end a row at, or
 * a CR (a record's own CRLF ends after `to`).
 */
function escapesSeparator(buf: Buffer, from: number, to: number, recordHoldsCr: boolean): boolean {
  if (to === from || buf[from] === QUOTE) return false
  if (recordHoldsCr && buf.subarray(from, to).includes(CR)) return true
  for (let at = buf.indexOf(BACKSLASH, from); at !== -1 && at < to - 1; at = buf.indexOf(BACKSLASH, at + 2)) {
    const next = buf[at + 1]
    if (next === COMMA || next === LF) return true
  }
  return false
}

/**
 * The first backslash in [from, to) of `buf` followed by a comma, an LF or a CR (maybe itself escaped), or -1.
 * Each needle's next position is kept between calls on one buffer, so many escaped rows cost one search each.
 */
class Candidates {
  private readonly next = CANDIDATES.map(() => -2)

  constructor(private readonly buf: Buffer) {}

  first(from: number, to: number): number {
    let first = -1
    for (const [index, needle] of CANDIDATES.entries()) {
      if (this.next[index] !== -1 && this.next[index] < from) this.next[index] = this.buf.indexOf(needle, from)
      // A CR before a line feed ends its line (CRLF), or is escaped with it (the needle before): no candidate.
      if (index === BARE_CR) {
        while (this.next[index] !== -1 && this.next[index] < to && this.buf[this.next[index] + 1] === LF) this.next[index] = this.buf.indexOf(needle, this.next[index] + 1)
      }
      const at = this.next[index]
      if (at !== -1 && at < to && (first === -1 || at < first)) first = at
    }
    return first
  }
}

/** Thrown to stop the splitter after one record: a plain object, so no stack is captured per record quoted. */
const STOP = Object.freeze({stop: true})

export class EscapeQuoter {
  quotedFields = 0
  private carry: Buffer | undefined
  // One splitter for every record quoted (reset before each): a new one per record cost its set-up each time.
  private readonly splitter = new RecordSplitter({record: (record, start, contentEnd, next, separators, fieldCount) => this.copyRecord(record, start, contentEnd, next, separators, fieldCount)})
  private recordEnd: number | undefined

  constructor(private readonly output: ChunkedOutput) {}

  /** Copies the complete lines of `carry + chunk`, quoting where needed; keeps the unfinished rest. */
  push(chunk: Buffer): void {
    const buf = this.carry ? Buffer.concat([this.carry, chunk]) : chunk
    this.carry = undefined
    const limit = buf.lastIndexOf(LF) + 1
    const candidates = new Candidates(buf)
    let pos = 0
    while (pos < limit) {
      const hit = candidates.first(pos, limit)
      if (hit === -1) {
        this.output.append(buf, pos, limit)
        pos = limit
        break
      }
      const lineStart = Math.max(pos, buf.lastIndexOf(LF, hit) + 1)
      this.output.append(buf, pos, lineStart)
      // The record's own line first: handed the rest of the chunk, the splitter searches all of it (for quotes,
      // for escaped commas) once per record quoted, which made a file with an escaped name on every third row
      // take ~30 s a GB. Only a record whose line break is escaped needs more.
      const lineEnd = buf.indexOf(LF, hit) + 1
      const next = this.quoteRecord(buf.subarray(lineStart, lineEnd)) ?? this.quoteRecord(buf.subarray(lineStart, limit))
      if (next === undefined) {
        // The record goes on past the last line break (an escaped one): wait for more bytes.
        pos = lineStart
        break
      }
      pos = lineStart + next
    }
    if (pos < buf.length) this.carry = Buffer.from(buf.subarray(pos))
  }

  /** Copies what is left (a last line without a line break). */
  end(): void {
    const rest = this.carry
    this.carry = undefined
    if (rest === undefined || rest.length === 0) return
    const withBreak = Buffer.concat([rest, Buffer.from([LF])])
    const next = this.quoteRecord(withBreak)
    // A record never closed (an escaped line break at the very end) is copied as it is: the scan refuses it.
    if (next === undefined) this.output.append(rest, 0, rest.length)
    else this.output.append(withBreak, next, withBreak.length - 1)
  }

  /**
   * Copies the first record of `buf` with the fields that need it quoted; returns where it ends (after its line
   * break), or undefined when it does not end within `buf`.
   */
  private quoteRecord(buf: Buffer): number | undefined {
    this.recordEnd = undefined
    this.splitter.reset()
    try {
      this.splitter.push(buf)
    } catch (error) {
      if (error !== STOP) throw error
    }
    return this.recordEnd
  }

  /** The record's bytes, with the fields that need it quoted; the bytes between them in one piece each. */
  private copyRecord(record: Buffer, start: number, contentEnd: number, next: number, separators: Int32Array, fieldCount: number): never {
    let copied = start
    let from = start
    // Asked of the record once, not of each of its fields: most files hold no CR at all.
    const holdsCr = record.subarray(start, contentEnd).includes(CR)
    for (let index = 0; index < fieldCount; index++) {
      const to = index === fieldCount - 1 ? contentEnd : separators[index]
      if (escapesSeparator(record, from, to, holdsCr)) {
        this.quotedFields++
        this.output.append(record, copied, from)
        this.output.appendQuoted(record, from, to)
        copied = to
      }
      from = to + 1
    }
    // The rest, with the record's own terminator (LF or CRLF), so lines keep their numbers.
    this.output.append(record, copied, next)
    this.recordEnd = next
    throw STOP
  }
}

/**
 * Copies `input` to `target` (plain CSV) with its escaped separators quoted. Returns the number of fields quoted;
 * at 0 nothing needed it and `target` is removed. Throws what reading the file throws (CsvFormatError, zlib).
 */
export async function quoteEscapedFields(input: InputFile, target: string): Promise<number> {
  const sink = createWriteStream(target)
  // A file stream is done with a buffer when it calls back: reusing them keeps the copy at a few MB.
  const output = new ChunkedOutput(sink, {reuseBuffers: true})
  const quoter = new EscapeQuoter(output)
  const reading = inputChunks(input)
  try {
    for await (const chunk of reading.chunks) {
      quoter.push(chunk)
      output.flush()
      await output.backpressure()
    }
    quoter.end()
    output.flush()
    sink.end()
    await finished(sink)
  } catch (error) {
    reading.destroy()
    sink.destroy()
    await rm(target, {force: true})
    throw error
  }
  if (quoter.quotedFields === 0) await rm(target, {force: true})
  return quoter.quotedFields
}
