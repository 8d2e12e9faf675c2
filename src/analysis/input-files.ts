import {createReadStream} from 'node:fs'
import {open, readdir, realpath, stat} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {createGunzip} from 'node:zlib'

import {InputFileError} from '../core/errors.js'
import {isZlibError} from '../core/gzip.js'
import {REQUIRED_COLUMNS} from './columns.js'

/** One export file as the engine reads it: where, whether gzip, and its header (names as written). */
export interface InputFile {
  path: string
  gzip: boolean
  header: string[]
}

const EXPORT_FILE = /\.(csv|csv\.gz|gz)$/i
// A header of 48 names is ~900 bytes; anything without a newline in the first 1 MiB is not a CSV export.
const HEADER_PROBE_BYTES = 1 << 20

/** An input given more than once (`-i x -i ./x`, a symlink to it): read once. */
export interface RepeatedPath {
  path: string
  /** The earlier input that is the same file. */
  sameAs: string
}

/**
 * Expands --input values: files are kept as given, a directory contributes its export files (the raw parts of
 * one export, or several merged CSVs) in name order so that results do not depend on readdir order. The same
 * file reached twice (by another spelling of its path, or through a symlink) is kept once: it would count every
 * row twice.
 */
export async function resolveInputs(inputs: string[]): Promise<{paths: string[]; repeats: RepeatedPath[]}> {
  const files: string[] = []
  for (const input of inputs) {
    const info = await stat(input).catch(() => null)
    if (!info) {
      throw new InputFileError('E_INPUT_MISSING', `Input file ${input} does not exist: pass --input with a usage export (.csv or .csv.gz), or run \`cci-usage export\` first.`)
    }
    if (info.isDirectory()) {
      const names = (await readdir(input)).filter((name) => EXPORT_FILE.test(name) && !name.startsWith('.')).sort()
      if (names.length === 0) {
        throw new InputFileError('E_INPUT_EMPTY_DIR', `Input directory ${input} holds no .csv or .csv.gz files: point --input at the export files.`)
      }
      files.push(...names.map((name) => join(input, name)))
    } else if (!info.isFile()) {
      // An export is read twice (the check of its bytes, then DuckDB's scan), so it must be a file: a pipe with
      // no writer blocked for ever (deaf to SIGTERM), one from <(zcat ...) failed with ESPIPE, exit 1.
      throw new InputFileError(
        'E_INPUT_NOT_FILE',
        `Input ${input} is not a regular file (a pipe, a device or a socket): write the export to a file first (e.g. zcat usage.csv.gz > usage.csv), or pass the .csv.gz itself.`,
      )
    } else {
      files.push(input)
    }
  }
  const byRealPath = new Map<string, string>()
  const paths: string[] = []
  const repeats: RepeatedPath[] = []
  for (const path of files) {
    const real = await realpath(path).catch(() => resolve(path))
    const earlier = byRealPath.get(real)
    if (earlier === undefined) {
      byRealPath.set(real, path)
      paths.push(path)
    } else {
      repeats.push({path, sameAs: earlier})
    }
  }
  return {paths, repeats}
}

/** resolveInputs without the list of repeats. */
export async function resolveInputPaths(inputs: string[]): Promise<string[]> {
  return (await resolveInputs(inputs)).paths
}

export function incompleteGzipError(path: string): InputFileError {
  return new InputFileError('E_INPUT_CORRUPT', `Input file ${path} is not a complete gzip file: download the export again.`)
}

/** Reads and checks the header of one export file without reading the rest of it. */
export async function inspectInputFile(path: string): Promise<InputFile> {
  const magic = await readFirstBytes(path, 2)
  if (magic.length === 0) {
    throw new InputFileError('E_INPUT_EMPTY', `Input file ${path} is empty: it holds no header and no rows; rerun the export.`)
  }
  const gzip = magic[0] === 0x1f && magic[1] === 0x8b
  const head = gzip ? await gunzipHead(path) : await readFirstBytes(path, HEADER_PROBE_BYTES)
  if (head.length === 0) {
    throw new InputFileError('E_INPUT_EMPTY', `Input file ${path} is empty after decompression: rerun the export.`)
  }
  if (head.includes(0)) {
    throw new InputFileError('E_INPUT_BINARY', `Input file ${path} is not a text CSV (it contains binary data): pass a usage export (.csv or .csv.gz).`)
  }
  const newline = head.indexOf(0x0a)
  if (newline < 0 && head.length >= HEADER_PROBE_BYTES) {
    throw new InputFileError('E_INPUT_NOT_CSV', `Input file ${path} has no line break in its first MiB, so it is not a usage export CSV.`)
  }
  const firstLine = head.subarray(0, newline < 0 ? head.length : newline).toString('utf8')
  const header = parseHeaderLine(firstLine)
  try {
    checkHeader(path, header)
  } catch (error) {
    // A plain CSV under a .gz name is read as it is; anything else named .gz is most often a download link's error
    // page saved under the export's name, which "its header has no PROJECT_NAME column" would not explain.
    if (!gzip && /\.gz$/i.test(path) && (error as InputFileError).code === 'E_NOT_USAGE_EXPORT') {
      const start = firstLine.trim().slice(0, 60)
      throw new InputFileError('E_INPUT_CORRUPT', `Input file ${path} is named .gz but holds no gzip data (it starts with ${JSON.stringify(start)}): download the export again.`)
    }
    throw error
  }
  return {path, gzip, header}
}

export function parseHeaderLine(line: string): string[] {
  return line
    .replace(/^\uFEFF/, '')
    .replace(/\r$/, '')
    .split(',')
    .map((name) => name.trim().replace(/^"(.*)"$/, '$1'))
}

function checkHeader(path: string, header: string[]): void {
  const upper = header.map((name) => name.toUpperCase())
  for (const required of REQUIRED_COLUMNS) {
    if (!upper.includes(required)) {
      throw new InputFileError(
        'E_NOT_USAGE_EXPORT',
        `Input file ${path} is not a CircleCI usage export: its header (line 1) has no ${required} column; pass the CSV from \`cci-usage export\` or the Usage API.`,
      )
    }
  }
  const seen = new Set<string>()
  for (const [index, name] of upper.entries()) {
    if (name === '') {
      throw new InputFileError('E_INPUT_HEADER', `Input file ${path} has an empty column name at position ${index + 1} of its header (line 1): fix or re-export the file.`)
    }
    if (seen.has(name)) {
      throw new InputFileError('E_INPUT_HEADER', `Input file ${path} names column ${name} twice in its header (line 1): fix or re-export the file.`)
    }
    seen.add(name)
  }
}

async function readFirstBytes(path: string, count: number): Promise<Buffer> {
  const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new InputFileError('E_INPUT_UNREADABLE', `Input file ${path} cannot be read (${error.code ?? error.message}): check the path and its permissions.`)
  })
  try {
    const buffer = Buffer.alloc(count)
    const {bytesRead} = await handle.read(buffer, 0, count, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

/** Decompresses only as much as the header needs; a corrupt gzip stream becomes a clear error. */
async function gunzipHead(path: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  const source = createReadStream(path)
  const gunzip = createGunzip()
  try {
    for await (const chunk of source.pipe(gunzip) as AsyncIterable<Buffer>) {
      chunks.push(chunk)
      size += chunk.length
      if (chunk.includes(0x0a) || size >= HEADER_PROBE_BYTES) break
    }
  } catch (error) {
    if (isZlibError(error)) throw incompleteGzipError(path)
    throw new InputFileError('E_INPUT_UNREADABLE', `Input file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): check the file and its permissions.`)
  } finally {
    source.destroy()
    gunzip.destroy()
  }
  return Buffer.concat(chunks)
}

/** The decompressed bytes of an input file a chunk at a time (a .gz through gunzip); `destroy` stops the reading. */
export function inputChunks(input: Pick<InputFile, 'path' | 'gzip'>): {chunks: AsyncIterable<Buffer>; destroy(): void} {
  const file = createReadStream(input.path, {highWaterMark: 1 << 20})
  const source = input.gzip ? file.pipe(createGunzip({chunkSize: 256 * 1024})) : file
  file.on('error', (error) => source.destroy(error))
  return {chunks: source, destroy: () => file.destroy()}
}
