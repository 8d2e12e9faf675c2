import {rmSync} from 'node:fs'
import {mkdtemp, readdir, rm, stat} from 'node:fs/promises'
import {hostname} from 'node:os'
import {join} from 'node:path'

import {writeJsonAtomic} from './atomic.js'
import {FileSystemError} from './errors.js'
import {cleanUpOnExit} from './exit-cleanup.js'
import {escapeRegExp} from './escape-reg-exp.js'
import {asFileSystemError} from './fs-errors.js'
import {staleReason, type LockInfo} from './folder-lock.js'
import {readJson} from './json-file.js'

/**
 * A run's private folder in the temp folder (DuckDB's work database and spill files, the load's scan). A signal
 * or an exit removes it (exit-cleanup.ts), but a SIGKILL (the OOM killer, `docker kill`, a CI job's timeout) runs
 * nothing: each killed run left tens of MB (GBs on a year's export) for good. So each folder names its owner
 * (`<prefix><pid>-XXXXXX` with an owner file), and making one removes the folders of runs on this host that are
 * gone. A folder of another host (a temp folder shared between containers) is never touched: its pid says
 * nothing here.
 */
const OWNER_FILE = 'owner.json'
/** This process's folders: a pid equal to ours is otherwise a previous run's (a container reuses its pid). */
const ours = new Set<string>()

export interface WorkDir {
  path: string
  /** Removes the folder (and forgets it). */
  remove(): Promise<void>
}

export async function makeWorkDir(parent: string, prefix: string): Promise<WorkDir> {
  // The parent is the temp folder (TMPDIR): one that does not exist, or is a file, is the user's to fix, not a bug.
  const path = await mkdtemp(join(parent, `${prefix}${process.pid}-`)).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      // /proc says ENOENT too, though it exists: then it is a folder nothing can be made in.
      const exists = await stat(parent).then(() => true, () => false)
      const reason = exists ? 'no folder can be made there' : 'the folder does not exist'
      throw new FileSystemError('E_OUT_UNWRITABLE', `cannot write ${parent} (ENOENT: ${reason}): point TMPDIR at ${exists ? 'a writable' : 'an existing'} folder.`, {code: error.code, path: parent})
    }
    throw asFileSystemError(error, parent, {temporary: true})
  })
  ours.add(path)
  const forget = cleanUpOnExit(() => {
    ours.delete(path)
    rmSync(path, {recursive: true, force: true})
  })
  const owner: Omit<LockInfo, 'nonce' | 'command'> = {pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString()}
  const remove = async () => {
    ours.delete(path)
    await rm(path, {recursive: true, force: true})
    forget()
  }
  try {
    // Written whole or not at all: a run killed while writing it would leave a cut-short file, which no later
    // run can judge, and so a folder that nobody removes.
    await writeJsonAtomic(join(path, OWNER_FILE), owner)
    await removeAbandoned(parent, prefix)
  } catch (error) {
    await remove()
    throw error
  }
  return {path, remove}
}

/** Removes the `prefix` folders in `parent` whose owner ran on this host and is gone. */
async function removeAbandoned(parent: string, prefix: string): Promise<void> {
  const pattern = new RegExp(`^${escapeRegExp(prefix)}\\d+-[A-Za-z0-9]{6}$`)
  const self = {pid: process.pid, hostname: hostname()}
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const path = join(parent, name)
    if (!pattern.test(name) || ours.has(path)) continue
    const owner = await readJson<LockInfo>(join(path, OWNER_FILE))
    // No owner file, or one still being written (empty, cut short): being made right now, or not ours to judge.
    if (typeof owner?.pid !== 'number' || owner.hostname !== self.hostname || typeof owner.startedAt !== 'string') continue
    if (staleReason(owner, 0, self) !== undefined) await rm(path, {recursive: true, force: true})
  }
}
