import {randomBytes} from 'node:crypto'
import {createWriteStream, renameSync, rmSync, writeFileSync, type WriteStream} from 'node:fs'
import {rename, rm, writeFile} from 'node:fs/promises'
import {dirname, basename, join} from 'node:path'

import {removeOnExit} from './exit-cleanup.js'
import {asFileSystemError, makeFolders} from './fs-errors.js'

/** A temporary path beside the target, so that the final rename stays on one file system. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
}

/** Writes a whole file so that readers see either the old content or the new one, never a partial file. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await makeFolders(dirname(target))
  const tmp = tempPathFor(target)
  // A signal ends the process without the catch below.
  const forgetTmp = removeOnExit(tmp)
  try {
    await writeFile(tmp, data)
    await rename(tmp, target)
  } catch (error) {
    await rm(tmp, {force: true})
    // A full disk fails the temp file; the user knows the target's name, not the temp's.
    throw asFileSystemError(error, target)
  } finally {
    forgetTmp()
  }
}

/** The text of a JSON file the tool writes: two-space indented, ending in a line feed. */
function jsonFileText(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n'
}

export async function writeJsonAtomic(target: string, value: unknown): Promise<void> {
  await writeFileAtomic(target, jsonFileText(value))
}

/**
 * writeJsonAtomic in one synchronous step, for a small file that must land in the same step as what precedes it:
 * no signal handler runs halfway. The async one, stopped by a signal, could leave its temp file behind, since the
 * file could be created by the thread pool after the handler had removed it.
 */
export function writeJsonAtomicSync(target: string, value: unknown): void {
  const tmp = tempPathFor(target)
  try {
    writeFileSync(tmp, jsonFileText(value))
    renameSync(tmp, target)
  } catch (error) {
    rmSync(tmp, {force: true})
    throw asFileSystemError(error, target)
  }
}

/**
 * A stream to a temporary file that becomes `target` only on commit(); abort() removes it. Used for large
 * outputs (the merged CSV) that are written incrementally.
 */
export interface AtomicStream {
  stream: WriteStream
  commit(): Promise<void>
  abort(): Promise<void>
}

export async function createAtomicWriteStream(target: string): Promise<AtomicStream> {
  await makeFolders(dirname(target))
  const tmp = tempPathFor(target)
  // Until commit or abort: a signal (Ctrl-C during a merge) must not leave a half-written temp file.
  const forgetTmp = removeOnExit(tmp)
  const stream = createWriteStream(tmp)
  const closed = new Promise<void>((resolve, reject) => {
    stream.once('close', resolve)
    stream.once('error', reject)
  })
  // Handled here so that a write error is not an unhandled rejection before commit() or abort() awaits it.
  closed.catch(() => undefined)
  return {
    stream,
    async commit() {
      try {
        stream.end()
        await closed
        await rename(tmp, target)
        forgetTmp()
      } catch (error) {
        // A write error (disk full) carries no path: name the file being written.
        throw asFileSystemError(error, target)
      }
    },
    async abort() {
      stream.destroy()
      await closed.catch(() => undefined)
      await rm(tmp, {force: true})
      forgetTmp()
    },
  }
}
