/**
 * A streaming CSV record splitter over raw bytes. It never decodes or rewrites a record: it reports where each
 * record starts and ends and where its separators are, so callers can pass the original bytes through.
 *
 * Fast path: a line with no `"` is one record, and its commas are its separators (the Usage API's own dialect:
 * unquoted, LF). Otherwise RFC 4180 applies: quoted fields may hold commas, doubled quotes and line breaks; a
 * quote inside an unquoted field is a character of it.
 * Outside quotes a backslash escapes the byte after it (core/export-escapes.ts): `\,` is a comma of a name, not
 * a separator, and a backslash before a line break continues the record on the next line.
 * CRLF is accepted; the CR is reported as part of the terminator, not the content.
 */
export interface RecordVisitor {
  /**
   * @param buf holds the record at [start, contentEnd); its terminator is [contentEnd, next)
   * @param separators positions of the fieldCount-1 separating commas (valid only during the call)
   * @param line 1-based physical line the record starts on
   */
  record(buf: Buffer, start: number, contentEnd: number, next: number, separators: Int32Array, fieldCount: number, line: number): void
}

import {describeBytes, MAX_RECORD_BYTES} from '../core/csv-limits.js'

export class CsvFormatError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message)
    this.name = 'CsvFormatError'
  }
}

const COMMA = 44
const LF = 10
const CR = 13
const QUOTE = 34
const BACKSLASH = 92
const ESCAPED_COMMA = Buffer.from('\\,')

export class RecordSplitter {
  private carry: Buffer | undefined
  private separators: Int32Array = new Int32Array(256)
  private line = 1

  /**
   * @param maxRecordBytes the longest record accepted, as the report's reader: without a limit an unclosed quote
   * would make the whole rest of the file one record held in memory (and copied on every chunk).
   */
  constructor(
    private readonly visitor: RecordVisitor,
    private readonly maxRecordBytes: number = MAX_RECORD_BYTES,
  ) {}

  /** Forgets an unfinished record and starts counting lines at 1 again, as a new splitter would. */
  reset(): void {
    this.carry = undefined
    this.line = 1
  }

  /** The line of byte `offset` of `chunk`, the next chunk to be pushed (for errors found before splitting). */
  lineOf(chunk: Buffer, offset: number): number {
    return this.line + countLineFeeds(this.carry, 0, this.carry?.length ?? 0) + countLineFeeds(chunk, 0, offset)
  }

  private tooLong(line: number): CsvFormatError {
    return new CsvFormatError(line, `a field longer than ${describeBytes(this.maxRecordBytes)} (export rows are about 1 KB; a quote may never be closed)`)
  }

  private keepCarry(carry: Buffer): void {
    if (carry.length > this.maxRecordBytes) throw this.tooLong(this.line)
    this.carry = carry
  }

  /** Reports every record completed by this chunk; an unfinished tail waits for the next chunk. */
  push(chunk: Buffer): void {
    const carry = this.carry
    if (carry === undefined) {
      this.scan(chunk)
      return
    }
    this.carry = undefined
    // Join the carried tail with only the start of the chunk (up to its first line end), so a chunk is not
    // copied whole on every call.
    const firstBreak = chunk.indexOf(LF)
    if (firstBreak === -1) {
      this.keepCarry(Buffer.concat([carry, chunk]))
      return
    }
    this.scan(Buffer.concat([carry, chunk.subarray(0, firstBreak + 1)]))
    const rest = chunk.subarray(firstBreak + 1)
    const unfinished = this.carry as Buffer | undefined
    if (unfinished === undefined) {
      this.scan(rest)
    } else {
      // A quoted field spans the line end: keep scanning the record over the whole chunk.
      this.carry = undefined
      this.scan(Buffer.concat([unfinished, rest]))
    }
  }

  private scan(buf: Buffer): void {
    const length = buf.length
    let pos = 0
    let nextQuote = buf.indexOf(QUOTE, 0)
    // Where the next backslash before a comma is: the plain loop need not look at backslashes, which every `\\N` has.
    let nextEscapedComma = buf.indexOf(ESCAPED_COMMA, 0)
    while (pos < length) {
      let separators = this.separators
      let count = 0
      const lineEnd = buf.indexOf(LF, pos)
      if (lineEnd === -1) break
      if (nextEscapedComma !== -1 && nextEscapedComma < pos) nextEscapedComma = buf.indexOf(ESCAPED_COMMA, pos)
      // A line without quotes, escaped commas or a backslash before its LF splits at every comma; any other goes
      // through the loop below, which honours quotes and escapes.
      const plain =
        (nextQuote === -1 || nextQuote > lineEnd) && (nextEscapedComma === -1 || nextEscapedComma > lineEnd) && !escapedBreakAt(buf, pos, lineEnd)
      if (plain) {
        if (lineEnd - pos > this.maxRecordBytes) throw this.tooLong(this.line)
        for (let i = pos; i < lineEnd; i++) {
          if (buf[i] === COMMA) {
            if (count === separators.length) separators = this.grow()
            separators[count++] = i
          }
        }
        const contentEnd = lineEnd > pos && buf[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd
        this.visitor.record(buf, pos, contentEnd, lineEnd + 1, separators, count + 1, this.line)
        this.line++
        pos = lineEnd + 1
        continue
      }
      // Quotes and escapes: a quote opens a quoted field only at the start of a field (RFC 4180, and DuckDB, the
      // report's reader); in an unquoted field it is a character of the name (the API does not quote, so a
      // branch `a"b` arrives bare). Within a quoted field, toggling on every quote handles "" escapes.
      // Separators and terminators count only outside quotes, and not after a backslash.
      let inQuotes = false
      let quotedField = false
      let fieldStart = pos
      let breaks = 0
      let end = -1
      for (let i = pos; i < length; i++) {
        const c = buf[i]
        if (c === BACKSLASH && !inQuotes) {
          if (buf[i + 1] === LF) breaks++
          // A backslash before CR LF escapes the line break as a whole (a file with CRLF line ends).
          else if (buf[i + 1] === CR && buf[i + 2] === LF) {
            breaks++
            i++
          }
          i++
        } else if (c === QUOTE) {
          if (inQuotes) inQuotes = false
          else if (quotedField || i === fieldStart) inQuotes = quotedField = true
        } else if (c === COMMA) {
          if (!inQuotes) {
            if (count === separators.length) separators = this.grow()
            separators[count++] = i
            fieldStart = i + 1
            quotedField = false
          }
        } else if (c === LF) {
          if (!inQuotes) {
            end = i
            break
          }
          breaks++
        }
      }
      if (end === -1) break
      if (end - pos > this.maxRecordBytes) throw this.tooLong(this.line)
      const contentEnd = end > pos && buf[end - 1] === CR ? end - 1 : end
      this.visitor.record(buf, pos, contentEnd, end + 1, separators, count + 1, this.line)
      this.line += 1 + breaks
      pos = end + 1
      nextQuote = buf.indexOf(QUOTE, pos)
    }
    if (pos < length) this.keepCarry(buf.subarray(pos))
  }

  /** Flushes a last record that has no line terminator; refuses a quote left open at end of input. */
  end(): void {
    if (this.carry === undefined || this.carry.length === 0) return
    const startLine = this.line
    this.push(Buffer.from([LF]))
    if (this.carry !== undefined) {
      this.carry = undefined
      throw new CsvFormatError(startLine, `a quoted field opened on line ${startLine} is never closed`)
    }
  }

  private grow(): Int32Array {
    const bigger = new Int32Array(this.separators.length * 2)
    bigger.set(this.separators)
    this.separators = bigger
    return bigger
  }
}

/**
 * Fields of the one record `text` holds, split as RecordSplitter splits a file; undefined when a quoted field in it
 * is never closed (a record quoted only up to its first line break).
 */
export function fieldCountOf(text: string): number | undefined {
  let count: number | undefined
  const splitter = new RecordSplitter({record: (_buf, _start, _contentEnd, _next, _separators, fieldCount) => (count ??= fieldCount)})
  try {
    splitter.push(Buffer.from(text))
    splitter.end()
  } catch (error) {
    if (error instanceof CsvFormatError) return undefined
    throw error
  }
  return count
}

/**
 * Whether the line [pos, lineEnd] ends in an escaped line break: a backslash before its LF, or before its CR LF
 * (a file with CRLF line ends; no record ends in an escaped CR, its last column being a number).
 */
function escapedBreakAt(buf: Buffer, pos: number, lineEnd: number): boolean {
  const before = buf[lineEnd - 1]
  return (lineEnd > pos && before === BACKSLASH) || (lineEnd - 1 > pos && before === CR && buf[lineEnd - 2] === BACKSLASH)
}

function countLineFeeds(buf: Buffer | undefined, from: number, to: number): number {
  let count = 0
  if (buf === undefined) return 0
  for (let at = buf.indexOf(LF, from); at !== -1 && at < to; at = buf.indexOf(LF, at + 1)) count++
  return count
}

/** The text of field `index` of a record reported by RecordSplitter, with RFC 4180 quoting removed. */
export function fieldText(
  buf: Buffer,
  start: number,
  contentEnd: number,
  separators: Int32Array,
  fieldCount: number,
  index: number,
): string {
  const from = index === 0 ? start : separators[index - 1] + 1
  const to = index === fieldCount - 1 ? contentEnd : separators[index]
  const raw = buf.toString('utf8', from, to)
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) return raw.slice(1, -1).replaceAll('""', '"')
  return raw
}

/** All fields of a record (used for headers, not on the hot path). */
export function recordFields(
  buf: Buffer,
  start: number,
  contentEnd: number,
  separators: Int32Array,
  fieldCount: number,
): string[] {
  const fields: string[] = []
  for (let i = 0; i < fieldCount; i++) fields.push(fieldText(buf, start, contentEnd, separators, fieldCount, i))
  return fields
}
