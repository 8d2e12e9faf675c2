import {randomBytes} from 'node:crypto'
import {closeSync, linkSync, openSync, readFileSync, readdirSync, renameSync, rmdirSync, statSync, unlinkSync, utimesSync, writeSync} from 'node:fs'
import {hostname} from 'node:os'
import {dirname, join, relative, resolve} from 'node:path'

import {BadInputError} from './errors.js'
import {cleanUpOnExit} from './exit-cleanup.js'
import {asFileSystemError, makeFolders} from './fs-errors.js'

/**
 * One cci-usage run per output folder. Two runs on the same --out would delete each other's `.parts`, merge
 * into the same usage.csv and publish reports over each other; the second one must stop before touching
 * anything. The lock is a file created with O_EXCL (so exactly one creator wins) holding who holds it.
 *
 * A lock is stale, and taken over, when its holder is gone: on this host, its pid no longer runs (or runs a
 * process started after the lock: the pid was reused); on another host (a container, a shared disk), it has
 * not been touched for STALE_REMOTE_MS, since a live holder touches it every HEARTBEAT_MS.
 */
export const LOCK_FILE = '.cci-usage.lock'
const HEARTBEAT_MS = 30_000
export const STALE_REMOTE_MS = 5 * 60_000
/** A lock file without content yet is being written by its creator; after this long it was left half-made. */
const UNFINISHED_LOCK_MS = 10_000

export interface LockInfo {
  pid: number
  hostname: string
  /** The command holding the folder, e.g. `export`. */
  command: string
  startedAt: string
  /** Tells this lock from a later one of the same pid (a takeover must not remove someone else's lock). */
  nonce: string
}

export interface FolderLock {
  readonly path: string
  readonly info: LockInfo
  /** Removes the lock if it is still ours. Synchronous so that it also runs from exit and signal handlers. */
  release(): void
}

export interface LockOptions {
  /** The flag that names the folder, for the message telling the user to pick another (default --out). */
  flag?: string
  /** The lock file's name in the folder (default LOCK_FILE): a lake's loads hold one of their own. */
  lockFile?: string
  /** The error code of "held by another run" (default E_OUT_LOCKED). */
  lockedCode?: string
  /** Progress notes, e.g. that a stale lock was taken over. */
  log?: (line: string) => void
  clock?: () => Date
}

/**
 * A pid alone is a lake lock written by cci-usage before the lake took this lock (same file name): held on this
 * host, by that pid, since an unknown time. Read as unreadable, it was taken over after UNFINISHED_LOCK_MS even
 * while that load ran.
 */
const BARE_PID = /^(\d+)\s*$/

function readLock(path: string): LockInfo | null {
  try {
    const text = readFileSync(path, 'utf8')
    const pid = BARE_PID.exec(text)?.[1]
    if (pid !== undefined) return {pid: Number(pid), hostname: hostname(), command: 'load', startedAt: 'an unknown time', nonce: ''}
    const parsed = JSON.parse(text) as LockInfo
    return typeof parsed?.pid === 'number' && typeof parsed.hostname === 'string' ? parsed : null
  } catch {
    return null
  }
}

function ageMs(path: string, now: number): number {
  try {
    return now - statSync(path).mtimeMs
  } catch {
    return 0
  }
}

/** True when a process with this pid exists (EPERM: it exists but belongs to another user). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** When the process with this pid started (Linux /proc), to tell a reused pid from the lock's holder. */
function processStartMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Field 22 (starttime, in clock ticks since boot) counts from after the ")" that ends the command name.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[19])
    const bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1])
    if (!Number.isFinite(ticks) || !Number.isFinite(bootSeconds)) return undefined
    // USER_HZ is 100 on every Linux architecture Node runs on.
    return bootSeconds * 1000 + (ticks / 100) * 1000
  } catch {
    return undefined
  }
}

/** Why the holder of `info` is gone, or undefined while it may still run. */
export function staleReason(info: LockInfo, lockAgeMs: number, self: {pid: number; hostname: string}): string | undefined {
  if (info.hostname !== self.hostname) {
    return lockAgeMs > STALE_REMOTE_MS ? `it was last touched ${Math.round(lockAgeMs / 60_000)} min ago` : undefined
  }
  if (info.pid === self.pid) return 'its pid is this process (a previous run in a container with the same pid)'
  if (!processExists(info.pid)) return 'its process is gone'
  const started = processStartMs(info.pid)
  // A couple of seconds of slack: the lock is written just after the process starts.
  if (started !== undefined && started > Date.parse(info.startedAt) + 2000) return 'its pid now belongs to a newer process'
  return undefined
}

function describeHolder(info: LockInfo): string {
  return `pid ${info.pid} on ${info.hostname}, \`cci-usage ${info.command}\`, since ${info.startedAt}`
}

/** The lock of another live run on `dir`, or null (no lock, a stale one, or our own). */
export function activeLock(dir: string, own?: FolderLock): LockInfo | null {
  const path = join(resolve(dir), LOCK_FILE)
  const info = readLock(path)
  if (info === null || (own && info.nonce === own.info.nonce)) return null
  return staleReason(info, ageMs(path, Date.now()), {pid: process.pid, hostname: hostname()}) === undefined ? info : null
}

/**
 * Moves a stale lock out of the way. Renaming (not unlinking) and reading back what was moved keeps a race with
 * another process doing the same from deleting the fresh lock it just made: that lock is put back.
 */
function removeStaleLock(path: string, stale: LockInfo | null): void {
  const grave = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.stale`
  try {
    renameSync(path, grave)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  const moved = readLock(grave)
  if (moved !== null && moved.nonce !== stale?.nonce) {
    try {
      linkSync(grave, path)
    } catch {
      // Someone else made a lock meanwhile; theirs stands.
    }
  }
  unlinkSync(grave)
}

function createLock(path: string, info: LockInfo): boolean {
  let fd: number
  try {
    fd = openSync(path, 'wx')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
  try {
    writeSync(fd, JSON.stringify(info, null, 2) + '\n')
  } finally {
    closeSync(fd)
  }
  return true
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))

/**
 * Takes the lock on `dir` (created if missing) for `command`, or throws exit 2 naming the folder and the run
 * that holds it. Release it in a finally; if the process ends first (a signal, an exit), core/exit-cleanup.ts does.
 */
export async function acquireFolderLock(dir: string, command: string, options: LockOptions = {}): Promise<FolderLock> {
  const folder = resolve(dir)
  const advice = options.flag === undefined ? undefined : {flag: options.flag}
  const created = await makeFolders(folder, advice)
  const path = join(folder, options.lockFile ?? LOCK_FILE)
  const self = {pid: process.pid, hostname: hostname()}
  const info: LockInfo = {...self, command, startedAt: (options.clock?.() ?? new Date()).toISOString(), nonce: randomBytes(8).toString('hex')}
  for (let attempt = 0; ; attempt++) {
    let made: boolean
    try {
      made = createLock(path, info)
    } catch (error) {
      throw asFileSystemError(error, path, advice)
    }
    if (made) return holdLock(path, info, created)
    const held = readLock(path)
    const age = ageMs(path, Date.now())
    if (held === null && age < UNFINISHED_LOCK_MS && attempt < 20) {
      // Its creator is writing it right now.
      await sleep(100)
      continue
    }
    const reason = held === null ? 'it is empty or unreadable (left half-written)' : staleReason(held, age, self)
    if (reason === undefined || attempt >= 5) {
      throw new BadInputError(
        options.lockedCode ?? 'E_OUT_LOCKED',
        `${folder} is in use by another cci-usage run (${held ? describeHolder(held) : 'unknown holder'}): wait for it to finish or use another ${options.flag ?? '--out'}. If that run is gone, delete ${path}.`,
        {lock: held},
      )
    }
    options.log?.(`Taking over the lock on ${folder}: ${held ? describeHolder(held) : 'a lock'} was left behind (${reason}).`)
    removeStaleLock(path, held)
  }
}

/** A folder made only for this run and left empty (it failed before writing anything) goes, up to `top`. */
function removeEmptyFolders(folder: string, top: string): void {
  for (let current = folder; !relative(top, current).startsWith('..'); current = dirname(current)) {
    if (readdirSync(current).length > 0) return
    rmdirSync(current)
    if (current === top) return
  }
}

function holdLock(path: string, info: LockInfo, createdFolder: string | undefined): FolderLock {
  const heartbeat = setInterval(() => {
    try {
      const now = new Date()
      utimesSync(path, now, now)
    } catch {
      // A folder that became unwritable fails the run elsewhere, with a clearer message.
    }
  }, HEARTBEAT_MS)
  heartbeat.unref()
  let held = true
  const release = () => {
    if (!held) return
    held = false
    clearInterval(heartbeat)
    forget()
    try {
      if (readLock(path)?.nonce === info.nonce) unlinkSync(path)
      if (createdFolder !== undefined) removeEmptyFolders(dirname(path), createdFolder)
    } catch {
      // Best effort: a lock left behind is stale once this process is gone.
    }
  }
  const forget = cleanUpOnExit(release)
  return {path, info, release}
}
