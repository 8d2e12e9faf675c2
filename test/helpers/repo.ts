/**
 * Where the tests find the project and the real export beside it. The golden export lives outside the repo
 * (../shared/data); tests that need it skip with a note when it is absent.
 */
import {existsSync} from 'node:fs'
import {dirname, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const GOLDEN_EXPORT = resolve(REPO_ROOT, '../shared/data/usage-export-2024-11-10_2024-11-18.csv.gz')

/** True when the golden export is there; otherwise logs that `what` is skipped. */
export function haveGoldenExport(what: string): boolean {
  if (existsSync(GOLDEN_EXPORT)) return true
  console.log(`Skipping ${what}: ${GOLDEN_EXPORT} is absent.`)
  return false
}
