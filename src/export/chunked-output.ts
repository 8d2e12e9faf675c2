import {once} from 'node:events'
import type {Writable} from 'node:stream'

const OUTPUT_CHUNK = 4 * 1024 * 1024
const QUOTE = 0x22
const QUOTE_BYTE = Buffer.from([QUOTE])

/** Collects output in large buffers so the file gets a few big writes instead of one per row. */
export class ChunkedOutput {
  private buffer: Buffer
  private readonly spare: Buffer[] = []
  private used = 0
  bytes = 0
  private blocked = false

  /**
   * @param options.reuseBuffers take a buffer back once its write has called back (fresh ones cost a page fault
   * per 4 KB of output). Only for a stream done with a chunk when it calls back, as a file stream is; a socket
   * (the Postgres COPY stream) may still hold it.
   * @param options.chunkBytes the size of each write (default 4 MB).
   */
  constructor(
    private readonly stream: Writable,
    private readonly options: {reuseBuffers?: boolean; chunkBytes?: number} = {},
  ) {
    this.buffer = Buffer.allocUnsafe(options.chunkBytes ?? OUTPUT_CHUNK)
  }

  /** Bytes appended so far, flushed or not. */
  get position(): number {
    return this.bytes + this.used
  }

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

  /** [from, to) of `source` as an RFC 4180 quoted field: in quotes, its own quotes doubled. */
  appendQuoted(source: Buffer, from: number, to: number): void {
    this.append(QUOTE_BYTE, 0, 1)
    // Searched within the field: `source` is often a whole chunk, and a search to its end per quoted field made
    // a file with many of them quadratic.
    const field = source.subarray(from, to)
    let at = 0
    while (at < field.length) {
      const quote = field.indexOf(QUOTE, at)
      const end = quote === -1 ? field.length : quote + 1
      this.append(field, at, end)
      if (quote !== -1) this.append(QUOTE_BYTE, 0, 1)
      at = end
    }
    this.append(QUOTE_BYTE, 0, 1)
  }

  appendNewline(): void {
    if (this.used === this.buffer.length) this.flush()
    this.buffer[this.used++] = 10
  }

  flush(): void {
    if (this.used === 0) return
    // The stream keeps the buffer until written, so the next bytes go to another one.
    const written = this.buffer
    const full = written.subarray(0, this.used)
    this.bytes += full.length
    const reuse = this.options.reuseBuffers ? () => this.spare.length < 2 && this.spare.push(written) : undefined
    if (!this.stream.write(full, reuse)) this.blocked = true
    this.buffer = this.spare.pop() ?? Buffer.allocUnsafe(written.length)
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
