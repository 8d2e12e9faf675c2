import {isUtf8} from 'node:buffer'

/**
 * Checks that a byte stream is UTF-8, chunk by chunk (a character may straddle two chunks). The API writes
 * UTF-8; a part that is not (Latin-1 names) would merge into a usage.csv that the report refuses, so the merge
 * stops at the first bad byte instead. isUtf8 runs at memory speed; only the error path looks byte by byte.
 */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1
  if (lead >= 0xc2 && lead <= 0xdf) return 2
  if (lead >= 0xe0 && lead <= 0xef) return 3
  if (lead >= 0xf0 && lead <= 0xf4) return 4
  return 0
}

/** Where the last complete character ends (a trailing, unfinished one waits for the next chunk). */
function completeEnd(buf: Buffer, from: number): number {
  for (let i = buf.length - 1; i >= Math.max(from, buf.length - 4); i--) {
    const byte = buf[i]
    if ((byte & 0xc0) === 0x80) continue
    const length = sequenceLength(byte)
    return length > 0 && i + length > buf.length ? i : buf.length
  }
  return buf.length
}

/** Index of the first byte that does not start a well-formed character (only called on invalid input). */
function firstInvalid(buf: Buffer): number {
  let i = 0
  while (i < buf.length) {
    const length = sequenceLength(buf[i])
    if (length === 0 || i + length > buf.length) return i
    for (let k = 1; k < length; k++) if ((buf[i + k] & 0xc0) !== 0x80) return i
    if (!isUtf8(buf.subarray(i, i + length))) return i
    i += length
  }
  return 0
}

export class Utf8Validator {
  private pending: Buffer | undefined

  /** The offset in `chunk` of the first byte that is not UTF-8, or -1. */
  check(chunk: Buffer): number {
    let start = 0
    if (this.pending !== undefined) {
      const need = sequenceLength(this.pending[0]) - this.pending.length
      if (chunk.length < need) {
        this.pending = Buffer.concat([this.pending, chunk])
        return -1
      }
      const joined = Buffer.concat([this.pending, chunk.subarray(0, need)])
      this.pending = undefined
      if (!isUtf8(joined)) return 0
      start = need
    }
    const end = completeEnd(chunk, start)
    const body = chunk.subarray(start, end)
    if (!isUtf8(body)) return start + firstInvalid(body)
    if (end < chunk.length) this.pending = Buffer.from(chunk.subarray(end))
    return -1
  }

  /** True when the input ended inside a character. */
  endsInsideCharacter(): boolean {
    return this.pending !== undefined
  }
}
