import {existsSync, mkdirSync, renameSync, rmdirSync, rmSync} from 'node:fs'
import {readdir, rm, mkdir, stat} from 'node:fs/promises'
import {dirname, isAbsolute, join, normalize, sep} from 'node:path'

import {writeJsonAtomic, writeJsonAtomicSync} from './atomic.js'
import {cleanUpOnExit} from './exit-cleanup.js'
import {asFileSystemError, makeFolders} from './fs-errors.js'
import {readJson} from './json-file.js'

/**
 * A report is a SET of files (summary.json, by-*.csv, charts, report.html, ...) that must not mix two runs: a
 * full disk halfway through used to leave new CSVs and charts beside an old summary.json. So the set is written
 * into a staging folder inside the output folder (same file system: publishing is renames only) and published
 * with a journal:
 *
 * 1. the journal lists the new files (the `last` one, summary.json, at the end) and the files of the previous
 *    set that the new one lacks;
 * 2. the previous set's files go (its summary.json first), then every new file but the last is renamed into
 *    place, then the last: at no moment does the folder hold files of both sets, and a reader that sees a
 *    summary.json sees its whole set. These steps are synchronous: a signal's handler runs between two turns of
 *    the event loop, so Ctrl-C or a cancelled CI job waits the milliseconds they take instead of stopping them
 *    halfway (which left new CSVs beside the old summary.json); a SIGKILL halfway leaves part of one set;
 * 3. the list of what was published is saved (the next publish removes only those, never a file the tool did
 *    not write), the journal and the staging folder go.
 *
 * Every step can be repeated, so a publish interrupted (killed, power cut) after step 1 is finished by the next
 * run on the folder (recoverArtifacts, called under the folder lock); one interrupted before step 1 leaves the
 * previous set untouched and its staging folder is removed.
 */
export const STAGING_DIR = '.cci-usage-staging'
export const PUBLISH_JOURNAL = '.cci-usage-publish.json'
/** What the last publish wrote, relative to the folder. */
export const ARTIFACT_LIST = '.cci-usage-artifacts.json'

interface Journal {
  version: 1
  /** Relative paths (with `/`), in publish order; `last` is the final one. */
  files: string[]
  /** Files of the previous set that the new set does not have. */
  remove: string[]
  last?: string
}

export interface StagingOptions {
  /** Published after every other file: readers take it as the sign that the set is complete. */
  last?: string
  /** The previous set when the folder has no artifact list yet (written by an older version), e.g. from summary.json. */
  previousFiles?: (outDir: string) => Promise<string[]>
  /** Tests: called after each file is moved into place (throwing there simulates an interrupted publish). */
  afterMove?: (file: string) => void
}

export interface ArtifactStaging {
  /** Where the new set is written (subfolders allowed). */
  readonly dir: string
  /** Publishes the staged set into the folder; returns its files (relative paths with `/`), `last` last. */
  publish(): Promise<string[]>
  /** Removes the staging folder: the previous set stays as it was. */
  discard(): Promise<void>
}

/** The export's files share the folder: a report set never replaces or removes them. */
const NOT_ARTIFACTS = new Set(['usage.csv', 'export-manifest.json'])
const TEMP_FILE = /\.tmp$/

/**
 * A relative path inside the folder that a set may hold: not outside it (a tampered list must not reach out),
 * not hidden (the lock, the journal, the staging folder, `.parts`), not the export's files.
 */
function safeName(name: string): boolean {
  if (typeof name !== 'string' || name === '' || isAbsolute(name)) return false
  const parts = normalize(name).split(sep)
  return !parts.includes('..') && !parts[0].startsWith('.') && !NOT_ARTIFACTS.has(parts[0])
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(dir, {withFileTypes: true})
  const files: string[] = []
  for (const entry of entries) {
    const name = prefix === '' ? entry.name : `${prefix}/${entry.name}`
    if (entry.isDirectory()) files.push(...(await listFiles(join(dir, entry.name), name)))
    else if (!TEMP_FILE.test(entry.name)) files.push(name)
  }
  return files
}

/** Removes `file` and then its parent folders that became empty, never `outDir` itself. */
function removeWithEmptyParents(outDir: string, file: string): void {
  rmSync(join(outDir, file), {force: true})
  for (let folder = dirname(file); folder !== '.' && folder !== ''; folder = dirname(folder)) {
    try {
      rmdirSync(join(outDir, folder))
    } catch {
      return
    }
  }
}

async function rollForward(outDir: string, journal: Journal, afterMove?: (file: string) => void): Promise<void> {
  const staging = join(outDir, STAGING_DIR)
  // A file still in the staging folder was not moved yet, so the one in its place is the previous set's. Once one
  // new file is moved, every old one is gone: a rerun removes only copies that are surely old.
  const pending = (file: string) => existsSync(join(staging, file))
  const move = (file: string) => {
    if (!pending(file)) return
    mkdirSync(dirname(join(outDir, file)), {recursive: true})
    renameSync(join(staging, file), join(outDir, file))
    afterMove?.(file)
  }
  const rest = journal.files.filter((file) => file !== journal.last)
  const replaced = journal.last === undefined ? rest : [journal.last, ...rest]
  for (const file of replaced) if (pending(file)) removeWithEmptyParents(outDir, file)
  for (const file of journal.remove) removeWithEmptyParents(outDir, file)
  for (const file of rest) move(file)
  if (journal.last !== undefined) move(journal.last)
  // In the same synchronous step as the moves: a signal waiting for the next turn found the list's temp file
  // half made (created by the thread pool after the handler's cleanup had removed it) and left it in the folder.
  writeJsonAtomicSync(join(outDir, ARTIFACT_LIST), {files: journal.files})
  rmSync(join(outDir, PUBLISH_JOURNAL), {force: true})
  await rm(staging, {recursive: true, force: true})
}

/**
 * Finishes a publish that a previous run left half done, or removes the staging folder of a run that stopped
 * before publishing. Returns what it did, for the log; null when there was nothing to do.
 */
export async function recoverArtifacts(outDir: string): Promise<'rolled-forward' | 'discarded' | null> {
  const journal = await readJson<Journal>(join(outDir, PUBLISH_JOURNAL))
  if (journal && Array.isArray(journal.files) && Array.isArray(journal.remove)) {
    const valid = (list: string[]) => list.filter((file) => safeName(file))
    await rollForward(outDir, {...journal, files: valid(journal.files), remove: valid(journal.remove)}).catch((error: unknown) => {
      throw asFileSystemError(error, outDir)
    })
    return 'rolled-forward'
  }
  const staging = join(outDir, STAGING_DIR)
  const stale = (await exists(staging)) || journal !== undefined
  await rm(join(outDir, PUBLISH_JOURNAL), {force: true})
  await rm(staging, {recursive: true, force: true})
  return stale ? 'discarded' : null
}

/** The files of the set published last into `outDir`. */
async function previousSet(outDir: string, options: StagingOptions): Promise<string[]> {
  const list = await readJson<{files?: unknown}>(join(outDir, ARTIFACT_LIST))
  if (list && Array.isArray(list.files)) return list.files.filter((file): file is string => typeof file === 'string')
  return options.previousFiles ? options.previousFiles(outDir) : []
}

/**
 * Removes the report set published into `outDir`, journaled like a publish (it publishes an empty set), so an
 * interrupted removal is finished by the next run. For an export replacing usage.csv: the report beside it
 * described the previous one, and the folder must not hold a mix of two runs. Returns the files removed.
 */
export async function retireArtifacts(outDir: string): Promise<string[]> {
  // Staging first finishes an interrupted publish, so the set read next is the one in place.
  const staging = await stageArtifacts(outDir)
  const previous = (await previousSet(outDir, {})).filter((file) => safeName(file))
  if (previous.length === 0) {
    await staging.discard()
    return []
  }
  await staging.publish()
  return previous
}

/** Opens a fresh staging folder in `outDir` (created if missing), after finishing any interrupted publish. */
export async function stageArtifacts(outDir: string, options: StagingOptions = {}): Promise<ArtifactStaging> {
  const dir = join(outDir, STAGING_DIR)
  await makeFolders(outDir)
  try {
    await recoverArtifacts(outDir)
    await mkdir(dir)
  } catch (error) {
    throw asFileSystemError(error, outDir)
  }
  let journaled = false
  // A signal ends the process without discard(): the staging folder goes with it, unless the publish has begun
  // (set before the journal is written, which may land after the signal): then the next run finishes it.
  let publishing = false
  const forgetStaging = cleanUpOnExit(() => {
    if (!publishing) rmSync(dir, {recursive: true, force: true})
  })
  return {
    dir,
    async publish() {
      const staged = (await listFiles(dir)).sort()
      for (const file of staged) {
        if (!safeName(file)) throw new Error(`internal: the report wrote ${file}, which is not its to publish`)
      }
      const files = options.last !== undefined && staged.includes(options.last) ? [...staged.filter((file) => file !== options.last), options.last] : staged
      const published = new Set(files)
      const previous = (await previousSet(outDir, options)).filter((file) => safeName(file))
      const journal: Journal = {version: 1, files, remove: previous.filter((file) => !published.has(file)), last: published.has(options.last ?? '') ? options.last : undefined}
      publishing = true
      try {
        await writeJsonAtomic(join(outDir, PUBLISH_JOURNAL), journal)
        journaled = true
        await rollForward(outDir, journal, options.afterMove)
      } catch (error) {
        throw asFileSystemError(error, outDir)
      }
      forgetStaging()
      return files
    },
    async discard() {
      // Once journaled, the set is being published: the next run finishes it rather than losing it.
      if (!journaled) await rm(dir, {recursive: true, force: true})
      forgetStaging()
    },
  }
}
