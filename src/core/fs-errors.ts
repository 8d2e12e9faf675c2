import {mkdir, stat} from 'node:fs/promises'
import {dirname, resolve, sep} from 'node:path'

import {CciUsageError, FileSystemError} from './errors.js'

/**
 * Local file-system failures (disk full, read-only, no permission) are the user's to fix, never a bug: they
 * become one FileSystemError naming the path, the reason and what to do. They reach us in three shapes: Node's
 * errno errors (with a `path`, or without one when a stream's write failed), and DuckDB's IO errors, which only
 * carry the reason in their text (`Could not write file "/tmp/x/work.duckdb.wal": No space left on device`).
 */
const REASONS: ReadonlyMap<string, string> = new Map([
  ['ENOSPC', 'no space left on the device'],
  ['EDQUOT', 'disk quota exceeded'],
  ['EROFS', 'read-only file system'],
  ['EACCES', 'permission denied'],
  ['EPERM', 'operation not permitted'],
  ['ENOTDIR', 'a file is in the way of a folder'],
  ['EISDIR', 'a folder is in the way of a file'],
  ['ELOOP', 'a symbolic link on the path loops'],
  ['ENAMETOOLONG', 'the path or a name in it is too long'],
  // A rename across mount points, even of one file system: a folder bind-mounted in place (`mount --bind`, a
  // container's volume of the same disk), which a load's check of devices (lake.ts) cannot see.
  ['EXDEV', 'the folder is a mount point, and files prepared beside it cannot be renamed into it'],
])

const READ_CALLS: ReadonlySet<string> = new Set(['read', 'scandir', 'opendir', 'stat', 'lstat', 'access'])

/** The same reasons as DuckDB (and libc's strerror) spell them. */
const DUCKDB_REASONS: ReadonlyArray<readonly [RegExp, string]> = [
  [/No space left on device/i, 'ENOSPC'],
  [/Disk quota exceeded/i, 'EDQUOT'],
  [/Read-only file system/i, 'EROFS'],
  [/Permission denied/i, 'EACCES'],
]

export interface FileSystemAdvice {
  /** What the path is for, e.g. "temporary files"; the advice then names TMPDIR instead of --out. */
  temporary?: boolean
  /** The flag that chooses the folder, named in the advice; default --out (`load` writes where --to says). */
  flag?: string
}

function adviceFor(code: string, advice: FileSystemAdvice): string {
  const flag = advice.flag ?? '--out'
  const elsewhere = advice.temporary
    ? 'or point TMPDIR at a folder with room (DuckDB keeps its working copy there)'
    : `or choose another folder with ${flag}`
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return `free space on that disk and rerun, ${elsewhere}`
    case 'EROFS':
      return advice.temporary ? 'point TMPDIR at a writable folder' : `choose a writable folder with ${flag}`
    case 'EACCES':
    case 'EPERM':
      return advice.temporary ? 'point TMPDIR at a folder you can write' : `choose a folder you can write with ${flag}, or fix its permissions`
    case 'ELOOP':
      return advice.temporary ? 'point TMPDIR at a usable folder' : `fix or remove the link, or choose another folder with ${flag}`
    case 'ENAMETOOLONG':
      return advice.temporary ? 'point TMPDIR at a folder with a shorter path' : `choose a folder with a shorter path with ${flag}`
    case 'EXDEV':
      return advice.temporary ? 'point TMPDIR at a usable folder' : `give a folder inside the mounted one with ${flag} (its parent must be on the same mount)`
    default:
      return advice.temporary ? 'point TMPDIR at a usable folder' : `move it out of the way, or choose a writable folder with ${flag}`
  }
}

/** The errno code of a local file-system failure, from a Node error or DuckDB's message; undefined otherwise. */
export function fileSystemCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code
  if (typeof code === 'string' && REASONS.has(code)) return code
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : ''
  if (!/IO Error|Could not (write|open|create|read|sync|truncate)|Failed to (commit|create|write)/i.test(message)) return undefined
  return DUCKDB_REASONS.find(([pattern]) => pattern.test(message))?.[1]
}

function pathIn(error: unknown): string | undefined {
  const path = (error as NodeJS.ErrnoException | null)?.path
  if (typeof path === 'string' && path !== '') return path
  const message = error instanceof Error ? error.message : ''
  return /(?:file|directory) "([^"]+)"/i.exec(message)?.[1]
}

/**
 * The FileSystemError for `error` when it is a local file-system failure, else undefined. `path` names what was
 * being written when the error itself does not say (a stream's write error has no path); a path in the error
 * wins, since it is the exact file.
 */
export function fileSystemError(error: unknown, path?: string, advice: FileSystemAdvice = {}): FileSystemError | undefined {
  if (error instanceof CciUsageError) return error instanceof FileSystemError ? error : undefined
  const code = fileSystemCode(error)
  if (code === undefined) return undefined
  const where = pathIn(error) ?? path
  // DuckDB's private folder (engine.ts): whatever query hit it, the fix is TMPDIR, not --out.
  if (where?.includes(`${sep}cci-usage-duckdb-`)) advice = {...advice, temporary: true}
  const syscall = (error as NodeJS.ErrnoException | null)?.syscall
  const verb = syscall !== undefined && READ_CALLS.has(syscall) ? 'read' : 'write'
  const subject = where ? `cannot ${verb} ${where}` : `a ${verb} failed`
  return new FileSystemError(
    code === 'ENOSPC' || code === 'EDQUOT' ? 'E_DISK_FULL' : 'E_OUT_UNWRITABLE',
    `${subject} (${code}: ${REASONS.get(code)}): ${adviceFor(code, advice)}.`,
    {code, path: where},
  )
}

/** Rethrows a local file-system failure as a FileSystemError naming `path`; any other error unchanged. */
export function asFileSystemError(error: unknown, path?: string, advice?: FileSystemAdvice): unknown {
  return fileSystemError(error, path, advice) ?? error
}

/**
 * `mkdir -p` made folder by folder from the first missing one, so that a failure names the real reason: Node's
 * recursive mkdir reports ENOENT when a missing parent cannot be made (a read-only file system, no permission),
 * and never returns where mkdir answers ENOENT below a folder that exists (`--out /proc/x` spun at full CPU).
 * Returns the first folder created, like mkdir's recursive mode.
 */
export async function makeFolders(path: string, advice?: FileSystemAdvice): Promise<string | undefined> {
  const target = resolve(path)
  // A file at the path or above it: for the user, a file in the way (named by the path asked for).
  const fileInTheWay = () => asFileSystemError(Object.assign(new Error(`ENOTDIR: ${path} is a file`), {code: 'ENOTDIR', syscall: 'mkdir'}), target, advice)
  const missing: string[] = []
  for (let folder = target; ; folder = dirname(folder)) {
    const found = await stat(folder).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined
      // Looked at to be written: the message says "cannot write", as mkdir's own error would.
      throw error.code === 'ENOTDIR' ? fileInTheWay() : asFileSystemError(Object.assign(error, {syscall: 'mkdir'}), path, advice)
    })
    if (found) {
      if (!found.isDirectory()) throw fileInTheWay()
      break
    }
    missing.unshift(folder)
    if (dirname(folder) === folder) break
  }
  for (const folder of missing) {
    try {
      await mkdir(folder)
    } catch (error) {
      // Made meanwhile by another run on the same path.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && (await stat(folder).then((stats) => stats.isDirectory(), () => false))) continue
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw fileInTheWay()
      // Its parent exists (made or found above): a file system that takes no folders of ours (/proc, /sys).
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new FileSystemError('E_OUT_UNWRITABLE', `cannot write ${folder} (ENOENT: that file system takes no new folders): ${adviceFor('EROFS', advice ?? {})}.`, {code: 'ENOENT', path: folder})
      }
      throw asFileSystemError(error, folder, advice)
    }
  }
  return missing[0]
}
