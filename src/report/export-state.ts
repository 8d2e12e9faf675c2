import {stat} from 'node:fs/promises'
import {basename, dirname, join, resolve} from 'node:path'

import {activeLock} from '../core/folder-lock.js'
import {resumeCommand} from '../export/resume.js'
import {MANIFEST_FILE, mergedBy, readManifest, type ExportManifest} from '../export/manifest.js'
import {formatInstant} from '../export/windows.js'

/**
 * `usage.csv` is replaced only when an export finishes. When a newer export of another range into the same
 * folder failed, timed out or was killed, the folder still holds the earlier usage.csv beside a manifest of the
 * newer range: the numbers of a report on it are right, but for the earlier range. Say so, in one line.
 */
const MERGED_CSV = 'usage.csv'

function describeRange(range: {start: string; end: string}): string {
  return `${formatInstant(new Date(range.start))} .. ${formatInstant(new Date(range.end))}`
}

function sameRange(a: {start: string; end: string}, b: {start: string; end: string}): boolean {
  return a.start === b.start && a.end === b.end
}

/** The export folders among the inputs: a usage.csv given as a file, or a folder holding one. */
async function exportFolders(inputs: readonly string[]): Promise<string[]> {
  const folders = new Set<string>()
  for (const input of inputs) {
    const info = await stat(input).catch(() => undefined)
    if (info?.isDirectory()) {
      if (await stat(join(input, MERGED_CSV)).then((csv) => csv.isFile(), () => false)) folders.add(resolve(input))
    } else if (info?.isFile() && basename(input) === MERGED_CSV) {
      folders.add(resolve(dirname(input)))
    }
  }
  return [...folders]
}

/** The warning for one export folder's manifest, or undefined when usage.csv is what the manifest says. */
export function unfinishedExportWarning(folder: string, manifest: ExportManifest, runningNow: {pid: number; command: string; startedAt: string} | null): string | undefined {
  if (manifest.status === 'completed') return undefined
  const merged = mergedBy(manifest)
  // A rerun of the same range that stopped leaves usage.csv holding that range: nothing is mislabelled.
  if (merged !== undefined && sameRange(merged.range, manifest.range)) return undefined
  const csv = join(folder, MERGED_CSV)
  const holds = merged !== undefined ? `${csv} holds ${describeRange(merged.range)} (merged ${merged.mergedAt})` : `${csv} was written by an earlier export whose range is not recorded`
  if (runningNow !== null && manifest.status === 'running') {
    return `${holds}; an export of ${describeRange(manifest.range)} into that folder is running now (pid ${runningNow.pid}, \`cci-usage ${runningNow.command}\`, since ${runningNow.startedAt}): report again once it has finished.`
  }
  const how = manifest.status === 'running' ? 'was interrupted' : manifest.status === 'timed-out' ? 'timed out' : 'failed'
  // A timeout's own message carries the resume command already given below.
  const why = manifest.status === 'failed' && manifest.failure ? ` (${manifest.failure.replace(/\.$/, '')})` : ''
  const resume = resumeCommand({
    host: manifest.host,
    orgId: manifest.orgId,
    sharedOrgIds: manifest.sharedOrgIds,
    range: {start: new Date(manifest.range.start), end: new Date(manifest.range.end)},
    outDir: folder,
    demo: manifest.demo === true,
  })
  return `${holds}; the newer export of ${describeRange(manifest.range)} ${how}${why} and did not replace it, so this report covers the earlier range. Finish the newer one with: ${resume}`
}

/** One warning per export folder among the inputs whose usage.csv is not the range its manifest is about. */
export async function unfinishedExportWarnings(inputs: readonly string[]): Promise<string[]> {
  const warnings: string[] = []
  for (const folder of await exportFolders(inputs)) {
    const manifest = await readManifest(join(folder, MANIFEST_FILE))
    if (manifest === undefined) continue
    const warning = unfinishedExportWarning(folder, manifest, activeLock(folder))
    if (warning !== undefined) warnings.push(warning)
  }
  return warnings
}
