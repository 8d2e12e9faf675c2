import {readFile, rm, stat} from 'node:fs/promises'

import {writeFileAtomic} from '../core/atomic.js'
import {PART_SCAN_VERSION, repeatKey, type PartScan, type PartScanOptions} from './part-scan.js'

/**
 * A part's scan is kept beside its plain CSV (`<job>-<n>.csv.scan.json`), so an interrupted export resumes with
 * the parts it already scanned. It is only trusted when it matches the plain CSV on disk and the manifest.
 */
export function plainFileName(gzipFile: string): string {
  return gzipFile.replace(/\.csv\.gz$/, '') + '.csv'
}

function scanPath(plainPath: string): string {
  return `${plainPath}.scan.json`
}

export async function saveScan(plainPath: string, scan: PartScan): Promise<void> {
  await writeFileAtomic(scanPath(plainPath), JSON.stringify(scan))
}

/** The saved scan of a plain CSV of `csvBytes` bytes, or undefined when the files are missing or disagree. */
export async function loadScan(plainPath: string, csvBytes: number | undefined, options: Pick<PartScanOptions, 'boundaryDays' | 'collectRepeats'>): Promise<PartScan | undefined> {
  if (csvBytes === undefined) return undefined
  const size = await stat(plainPath).then((info) => info.size, () => -1)
  if (size !== csvBytes) return undefined
  try {
    const scan = JSON.parse(await readFile(scanPath(plainPath), 'utf8')) as PartScan
    const valid = scan?.version === PART_SCAN_VERSION && scan.csvBytes === csvBytes && scan.repeatKey === repeatKey(options) && Array.isArray(scan.candidates)
    return valid ? scan : undefined
  } catch {
    return undefined
  }
}

/** Removes a part's plain CSV and its scan (after the merge, or before it is made again). */
export async function removePlain(plainPath: string): Promise<void> {
  await rm(plainPath, {force: true})
  await rm(scanPath(plainPath), {force: true})
}
