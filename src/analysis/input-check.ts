import {createHash} from 'node:crypto'
import {createReadStream} from 'node:fs'
import {Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {createGunzip} from 'node:zlib'

import {InputFileError} from '../core/errors.js'
import {isZlibError} from '../core/gzip.js'
import {incompleteGzipError, type InputFile} from './input-files.js'

/**
 * The pass over the input bytes that DuckDB's reader does not make:
 * - a .gz file is decompressed to its end, so zlib checks its trailer (CRC32 and length, every member of a
 *   multi-member file). DuckDB's gzip reader stops quietly at a cut after a full flush (600 of 1,260 rows read,
 *   exit 0) and ignores a bad CRC, so without this a truncated download is reported as complete;
 * - with two or more inputs, each file's content (decompressed) is hashed, so the same rows given twice (the
 *   .csv beside its .csv.gz, a copy) are read once.
 * A single plain .csv needs neither and costs nothing. The pass streams (constant memory) and runs while DuckDB
 * scans (engine.ts); the scan's numbers are used only once it has passed.
 */
export interface CheckedInput {
  path: string
  /** sha256 of the decompressed content, when hashing was asked for. */
  digest?: string
}

const READ_CHUNK = 1 << 20
/** Files checked at once: the scan is busy on the other core(s). */
const CONCURRENCY = 2

export async function checkInputFile(input: InputFile, options: {hash: boolean; signal?: AbortSignal}): Promise<CheckedInput> {
  if (!input.gzip && !options.hash) return {path: input.path}
  const hash = options.hash ? createHash('sha256') : undefined
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      hash?.update(chunk)
      done()
    },
  })
  const source = createReadStream(input.path, {highWaterMark: READ_CHUNK})
  try {
    if (input.gzip) await pipeline(source, createGunzip({chunkSize: 256 * 1024}), sink, {signal: options.signal})
    else await pipeline(source, sink, {signal: options.signal})
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error
    if (input.gzip && isZlibError(error)) throw incompleteGzipError(input.path)
    const code = (error as NodeJS.ErrnoException).code
    throw new InputFileError('E_INPUT_UNREADABLE', `Input file ${input.path} cannot be read (${code ?? (error as Error).message}): check the file and its permissions.`)
  }
  return {path: input.path, digest: hash?.digest('hex')}
}

/** Checks every input, a few at a time; rejects with the first bad file in input order. */
export async function checkInputFiles(inputs: readonly InputFile[], options: {hash: boolean; signal?: AbortSignal}): Promise<CheckedInput[]> {
  const results: Promise<CheckedInput>[] = new Array(inputs.length)
  let next = 0
  const worker = async () => {
    while (next < inputs.length) {
      const index = next++
      results[index] = checkInputFile(inputs[index], options)
      await results[index].catch(() => undefined)
    }
  }
  await Promise.all(Array.from({length: Math.min(CONCURRENCY, inputs.length)}, worker))
  return Promise.all(results)
}

export interface RepeatedContent {
  /** Index (in input order) of a file whose content equals an earlier one's. */
  index: number
  /** Index of the first file with that content. */
  sameAs: number
}

/** Files whose decompressed content equals an earlier file's. Pure. */
export function repeatedContent(checked: readonly CheckedInput[]): RepeatedContent[] {
  const first = new Map<string, number>()
  const repeats: RepeatedContent[] = []
  checked.forEach((input, index) => {
    if (input.digest === undefined) return
    const earlier = first.get(input.digest)
    if (earlier === undefined) first.set(input.digest, index)
    else repeats.push({index, sameAs: earlier})
  })
  return repeats
}
