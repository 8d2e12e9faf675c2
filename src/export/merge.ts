import {mkdtemp, open, rename, rm, stat, type FileHandle} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import {tempPathFor} from '../core/atomic.js'
import {removeOnExit} from '../core/exit-cleanup.js'
import {ApiError} from '../core/errors.js'
import {asFileSystemError} from '../core/fs-errors.js'
import {appendSources, writeAll} from './file-copy.js'
import {normalizeName, ROW_KEY_PREFIX, scanPartFile, type PartScan} from './part-scan.js'

export {ChunkedOutput} from './chunked-output.js'

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

/** A part after its single pass (part-scan.ts): its plain CSV and what the scan recorded. */
export interface ScannedPart {
  label: string
  window: number
  /** The plain CSV the scan wrote: every row, LF-terminated. */
  plainPath: string
  scan: PartScan
}

export interface MergePlan {
  /** The first part's header, BOM and spaces trimmed; undefined when there is no part. */
  header: string[] | undefined
  /** Per part, the [start, end) byte ranges of rows an earlier window already holds, in file order. */
  drops: [number, number][][]
  partRows: number[]
  rows: number
  duplicatesDropped: number
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

/**
 * Parts of one job that disagree on their columns are a damaged job: a new job for the window can mend it, so
 * the window's job is dropped (`refetchWindow`). Windows whose jobs disagree are CircleCI changing the export's
 * columns between the jobs: another job would not agree either, so the user is told how to get the usage
 * anyway, since `report` reads several files by column name.
 */
export function headerMismatch(part: {label: string; window: number}, difference: string, sameJob: boolean | 'others'): ApiError {
  const reference = sameJob === 'others' ? "the first part and its job's other parts" : sameJob ? "its job's first part" : 'the first part'
  const refused = `${part.label} ${difference}; its columns differ from ${reference}, so it cannot be merged (nothing was written).`
  if (sameJob) return new ApiError('E_PART_HEADER_MISMATCH', `${refused} Rerun the export.`, {refetchWindow: part.window})
  return new ApiError(
    'E_PART_HEADER_MISMATCH',
    `${refused} The export's columns changed between its windows' jobs: export each window (at most 31 days) into its own --out folder and give report every usage.csv, which it reads by column name.`,
  )
}

/**
 * Checks the parts in order, as a streamed merge would meet their problems (a part's header, then its rows),
 * and decides which rows are repeats: a JOB_ID already seen in an EARLIER window (within one job JOB_IDs are
 * unique; a repeat from another window is the boundary overlap), or a row without a JOB_ID that an earlier window
 * holds byte for byte (its run time is the boundary instant too). The first occurrence is kept. Pure.
 */
export function planMerge(parts: readonly ScannedPart[]): MergePlan {
  const multiWindow = new Set(parts.map((part) => part.window)).size > 1
  let header: string[] | undefined
  // Each window's first header: a part is compared with its own job's first, then a job's first with the export's.
  const windowHeaders = new Map<number, readonly string[]>()
  for (const part of parts) {
    const {scan} = part
    // The part verified as gzip, so its bytes are what the job delivered: downloading them again cannot help,
    // only a new job for the window can. `refetchWindow` tells the export which window that is.
    const damaged = (code: string, message: string) => new ApiError(code, message, {refetchWindow: part.window})
    if (scan.header === undefined) {
      if (scan.error) throw damaged(scan.error.code, scan.error.message)
      throw damaged('E_PART_EMPTY', `${part.label} is empty (no CSV header); rerun the export to fetch it again.`)
    }
    if (header === undefined) {
      header = scan.header.map((name) => name.replace(/^\uFEFF/, '').trim())
      if (multiWindow && !header.map(normalizeName).includes('JOB_ID')) {
        throw new ApiError('E_PART_NO_JOB_ID', `${part.label} has no JOB_ID column, so rows of adjacent windows cannot be de-duplicated; export a range of at most 31 days.`)
      }
    } else {
      const own = windowHeaders.get(part.window)
      const difference = describeHeaderDifference(own ?? header, scan.header)
      if (difference !== undefined) throw headerMismatch(part, difference, own !== undefined || (damagedAmongItsJob(parts, part, header) && 'others'))
    }
    if (!windowHeaders.has(part.window)) windowHeaders.set(part.window, scan.header)
    if (scan.error) throw damaged(scan.error.code, scan.error.message)
  }
  const seen = new Map<string, number>()
  // A row without a JOB_ID may legitimately occur twice in one window: a later window repeats only as many
  // copies as the window that held it first.
  const rowCopies = new Map<string, {window: number; copies: number}>()
  const rowRepeats = new Map<string, number>()
  const drops: [number, number][][] = []
  const partRows: number[] = []
  let rows = 0
  let duplicatesDropped = 0
  for (const part of parts) {
    const dropped: [number, number][] = []
    if (multiWindow) {
      for (const [key, start, end] of part.scan.candidates) {
        if (key.startsWith(ROW_KEY_PREFIX)) {
          const first = rowCopies.get(key)
          if (first === undefined) rowCopies.set(key, {window: part.window, copies: 1})
          else if (first.window === part.window) first.copies++
          else {
            const repeatKey = `${part.window}:${key}`
            const repeats = rowRepeats.get(repeatKey) ?? 0
            if (repeats < first.copies) {
              rowRepeats.set(repeatKey, repeats + 1)
              dropped.push([start, end])
            }
          }
          continue
        }
        const seenIn = seen.get(key)
        if (seenIn === undefined) seen.set(key, part.window)
        else if (seenIn !== part.window) dropped.push([start, end])
      }
    }
    drops.push(dropped)
    partRows.push(part.scan.rows - dropped.length)
    rows += part.scan.rows - dropped.length
    duplicatesDropped += dropped.length
  }
  return {header, drops, partRows, rows, duplicatesDropped}
}

/**
 * A window's first part whose columns differ from the export's, while another part of the same job has the
 * export's columns: the job did not change columns, that one part is damaged, and a new job for the window mends it.
 */
function damagedAmongItsJob(parts: readonly ScannedPart[], part: ScannedPart, header: readonly string[]): boolean {
  return parts.some(
    (other) => other !== part && other.window === part.window && other.scan.header !== undefined && describeHeaderDifference(header, other.scan.header) === undefined,
  )
}

/** The byte ranges of a part's plain CSV that go into the merged file: all of it but the repeats. */
function keptRanges(part: ScannedPart, drops: readonly [number, number][]): [number, number][] {
  const ranges: [number, number][] = []
  let from = 0
  for (const [start, end] of drops) {
    if (start > from) ranges.push([from, start])
    from = end
  }
  if (part.scan.csvBytes > from) ranges.push([from, part.scan.csvBytes])
  return ranges
}

/**
 * Writes the merged CSV from scanned parts: the first part's header line, then every part's rows in order in
 * large sequential copies of the plain CSVs (file-copy.ts), leaving out only the repeats the plan found. Nothing
 * is written when any part is refused; the file replaces `outPath` only when complete.
 */
export async function assembleParts(
  parts: readonly ScannedPart[],
  outPath: string,
  emptyHeader: readonly string[],
  /** Runs once the new file is complete, just before it replaces `outPath`. */
  beforeReplace?: () => Promise<void>,
): Promise<MergeResult> {
  const plan = planMerge(parts)
  const tmp = tempPathFor(outPath)
  // A signal ends the process without the catch below: a half-merged copy of usage.csv must not stay.
  const forgetTmp = removeOnExit(tmp)
  let out: FileHandle | undefined
  try {
    out = await open(tmp, 'w')
    // planMerge refused any part without a header, so the first part has one whenever there is a part.
    const headerLine = plan.header === undefined ? emptyHeader.join(',') : (parts[0].scan.headerLine ?? '')
    await writeAll(out, Buffer.from(`${headerLine}\n`))
    await appendSources(out, parts.map((part, i) => ({path: part.plainPath, size: part.scan.csvBytes, ranges: keptRanges(part, plan.drops[i])})))
    await out.close()
    out = undefined
    await beforeReplace?.()
    await rename(tmp, outPath)
  } catch (error) {
    await out?.close().catch(() => undefined)
    await rm(tmp, {force: true})
    throw asFileSystemError(error, outPath)
  } finally {
    forgetTmp()
  }
  const {size} = await stat(outPath)
  return {
    rows: plan.rows,
    duplicatesDropped: plan.duplicatesDropped,
    bytes: size,
    partRows: plan.partRows,
    header: plan.header ?? [...emptyHeader],
  }
}

/**
 * Merges part files (.csv.gz or .csv) into one CSV: the header once, every row's bytes unchanged, rows repeated
 * across adjacent windows dropped (counted). Each part is scanned once into a plain CSV in a temporary folder
 * beside `outPath`, removed afterwards. `export` scans its parts while they download instead (index.ts).
 */
export async function mergeParts(options: MergeOptions): Promise<MergeResult> {
  const collectRepeats = new Set(options.parts.map((part) => part.window)).size > 1
  const work = await mkdtemp(join(dirname(options.outPath), '.merge-')).catch((error: unknown) => {
    throw asFileSystemError(error, dirname(options.outPath))
  })
  try {
    const scanned: ScannedPart[] = []
    for (const [index, part] of options.parts.entries()) {
      const plainPath = join(work, `${index + 1}.csv`)
      const scan = await scanPartFile(part.path, plainPath, {label: part.label, boundaryDays: options.boundaryDays ?? [], collectRepeats})
      scanned.push({label: part.label, window: part.window, plainPath, scan})
    }
    return await assembleParts(scanned, options.outPath, options.emptyHeader)
  } finally {
    await rm(work, {recursive: true, force: true})
  }
}
