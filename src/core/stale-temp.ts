import {readdir, rm} from 'node:fs/promises'
import {join} from 'node:path'

import {processExists} from './folder-lock.js'

/**
 * Temporary files of a killed run (`tempPathFor` in atomic.ts: `.<name>.<pid>.<hex>.tmp`, e.g. a 50 MB
 * `.usage.csv.123.9f2c1a7e.tmp` of an interrupted merge) are never renamed into place and nothing else removes
 * them. Called under the folder lock, so no other cci-usage run writes there: a temp file whose process is
 * gone, or whose pid is ours (a previous run in a container gets the same pid), is left over.
 */
const TEMP_FILE = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/
// A part being downloaded (download.ts) is `<part>.csv.gz.partial`, its plain CSV being written beside it
// (part-scan.ts) `<part>.csv.partial`; under the lock none is being written.
const PARTIAL_DOWNLOAD = /\.csv(\.gz)?\.partial$/

function processGone(pid: number): boolean {
  return pid === process.pid || !processExists(pid)
}

/** The tool's temp files in `dirs` whose writer is gone; removes them and returns their paths. */
export async function removeStaleTempFiles(dirs: string[]): Promise<string[]> {
  const removed: string[] = []
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => [] as string[])
    for (const name of names) {
      const pid = TEMP_FILE.exec(name)?.[1]
      const stale = pid !== undefined ? processGone(Number(pid)) : PARTIAL_DOWNLOAD.test(name)
      if (!stale) continue
      await rm(join(dir, name), {force: true})
      removed.push(join(dir, name))
    }
  }
  return removed
}
