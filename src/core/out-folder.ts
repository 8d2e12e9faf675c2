import {join, resolve} from 'node:path'

import {recoverArtifacts} from './artifact-set.js'
import {acquireFolderLock} from './folder-lock.js'
import {removeStaleTempFiles} from './stale-temp.js'

export interface OutFolderContext {
  /** Progress notes for stderr. */
  log: (line: string) => void
}

/**
 * Runs `fn` holding the output folder: takes the folder lock (a second run on the same --out stops with exit 2
 * naming this one), then, since no other run can be writing there, clears what killed runs left behind (temp
 * files, a report set half published or never published), and releases the lock whatever happens.
 * `export`, `report` and `run` all go through here.
 */
export async function withOutFolder<T>(outDir: string, command: string, context: OutFolderContext, fn: () => Promise<T>): Promise<T> {
  const folder = resolve(outDir)
  const lock = await acquireFolderLock(folder, command, {log: context.log})
  try {
    for (const path of await removeStaleTempFiles([folder, join(folder, '.parts')])) {
      context.log(`Removed ${path}, left behind by an interrupted run.`)
    }
    const recovered = await recoverArtifacts(folder)
    if (recovered === 'rolled-forward') context.log(`Finished publishing the report that an interrupted run left half published in ${folder}.`)
    if (recovered === 'discarded') context.log(`Removed the unpublished report files of an interrupted run in ${folder}.`)
    return await fn()
  } finally {
    lock.release()
  }
}
