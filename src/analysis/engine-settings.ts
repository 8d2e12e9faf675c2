/**
 * How many threads DuckDB runs and how much memory it may hold: the cores this process may use (CircleCI's
 * 1-vCPU `small` class gets one thread, a 16-core laptop sixteen), each overridable by an environment variable.
 * `engineSettings` is pure (the environment and the machine are arguments); `systemResources` reads the machine.
 */
import {readFileSync} from 'node:fs'
import {availableParallelism, totalmem} from 'node:os'

import {BadInputError} from '../core/errors.js'

export const THREADS_VARIABLE = 'CCI_USAGE_THREADS'
export const MEMORY_LIMIT_VARIABLE = 'CCI_USAGE_MEMORY_LIMIT'

/**
 * DuckDB's budget without an override: 100 MB plus 25 MB per thread, 150 MB at two threads. The process adds
 * about 200 MB of its own (node and oclif, DuckDB's library, memory its allocator keeps between queries). Measured
 * on the 1 GB bench export at two threads, a larger budget bought no speed and raised peak RSS; each thread holds
 * its own CSV buffers and hash-table partitions, so the budget grows with them. Never more than a quarter of the
 * memory the process may use (the container's limit, else the machine's).
 */
export const BASE_MEMORY_MB = 100
export const MEMORY_MB_PER_THREAD = 25
/** A load's staging budget without an override (loadMemoryLimit). */
export const LOAD_MEMORY_MB = 400

export interface SystemResources {
  /** The CPUs this process may be scheduled on (its affinity), before any CPU quota. */
  cpus: number
  /** Where `cpus` came from, for the profile line ('os.availableParallelism()' when not given). */
  cpusFrom?: string
  /** The container's CPU quota in cores (cgroup cpu.max), null when there is none. */
  cpuQuota: number | null
  /** The file the quota came from, for the profile line ('cgroup cpu.max' when not given). */
  cpuQuotaFrom?: string
  /** Bytes the process may use: the container's memory limit, else the machine's memory. */
  memoryBytes: number
}

export interface EngineSettings {
  threads: number
  /** DuckDB's memory_limit, e.g. '150MB'. */
  memoryLimit: string
  /** Where each came from, for profiles and messages: 'CCI_USAGE_THREADS', 'cores', 'cgroup cpu.max'... */
  threadsFrom: string
  memoryLimitFrom: string
}

/** DuckDB's units: KB, MB... are powers of 1000, KiB, MiB... of 1024. */
const UNIT_BYTES: Readonly<Record<string, number>> = {B: 1, KB: 1e3, KIB: 2 ** 10, MB: 1e6, MIB: 2 ** 20, GB: 1e9, GIB: 2 ** 30, TB: 1e12, TIB: 2 ** 40}
/** The smallest budget taken, as the default is never below it (defaultMemoryMb). */
const MIN_MEMORY_MB = 64
/**
 * The budget one thread needs to read an export, measured on a 200 MB export: two threads failed at 64 MB and
 * ran at 72 MB, four failed at 112 MB and ran at 128 MB (about 30 MiB a thread), one ran at 64 MB.
 */
export const MIN_MEMORY_MB_PER_THREAD = 36

const SIZE = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|KIB|MB|MIB|GB|GIB|TB|TIB)\s*$/i

export function engineSettings(env: NodeJS.ProcessEnv, system: SystemResources): EngineSettings {
  const cores = system.cpuQuota === null ? system.cpus : Math.max(1, Math.min(system.cpus, Math.ceil(system.cpuQuota)))
  const threadsText = env[THREADS_VARIABLE]?.trim()
  let threads = cores
  let threadsFrom = system.cpuQuota !== null && cores < system.cpus ? (system.cpuQuotaFrom ?? 'cgroup cpu.max') : (system.cpusFrom ?? 'os.availableParallelism()')
  if (threadsText) {
    if (!/^\d+$/.test(threadsText) || Number(threadsText) < 1 || Number(threadsText) > 1024) {
      throw new BadInputError(
        'E_BAD_THREADS',
        `${THREADS_VARIABLE}=${threadsText} is not a whole number of threads from 1 to 1024: give e.g. ${THREADS_VARIABLE}=2, or unset it to use the ${cores} core(s) this process may use.`,
      )
    }
    threads = Number(threadsText)
    threadsFrom = THREADS_VARIABLE
  }
  const memoryText = env[MEMORY_LIMIT_VARIABLE]?.trim()
  const size = memoryText ? SIZE.exec(memoryText) : null
  const sizeMb = size ? (Number(size[1]) * UNIT_BYTES[size[2].toUpperCase()]) / 1e6 : null
  if (memoryText) {
    if (!size || sizeMb === null || sizeMb <= 0) {
      throw new BadInputError(
        'E_BAD_MEMORY_LIMIT',
        `${MEMORY_LIMIT_VARIABLE}=${memoryText} is not a size: give a number and a unit, e.g. ${MEMORY_LIMIT_VARIABLE}=512MB or 2GB, or unset it for the default (${defaultMemoryMb(threads, system)} MB here).`,
      )
    }
    // DuckDB needs blocks of 8 MiB per thread to read a CSV: 1KB or 16MB failed inside the report, blamed on the
    // input file ("cannot be read as a usage export (Out of Memory Error ...)") or as unexpected (exit 1).
    if (sizeMb < MIN_MEMORY_MB) {
      throw new BadInputError(
        'E_BAD_MEMORY_LIMIT',
        `${MEMORY_LIMIT_VARIABLE}=${memoryText} is below ${MIN_MEMORY_MB}MB, too little for DuckDB to read an export: give e.g. ${MEMORY_LIMIT_VARIABLE}=512MB or 2GB, or unset it for the default (${defaultMemoryMb(threads, system)} MB here).`,
      )
    }
  }
  const wantedMb = wantedMemoryMb(threads)
  const defaultMb = defaultMemoryMb(threads, system)
  const memoryLimit = size ? `${size[1]}${size[2].toUpperCase()}` : `${defaultMb}MB`
  const memoryMb = sizeMb ?? defaultMb
  const memoryLimitFrom = size ? MEMORY_LIMIT_VARIABLE : defaultMb < wantedMb ? quarterOfMemory(system) : `${BASE_MEMORY_MB} MB + ${MEMORY_MB_PER_THREAD} MB a thread`
  // A budget below what the cores' threads want (a small container, or a small CCI_USAGE_MEMORY_LIMIT) gets the
  // threads it holds: each thread reading the CSV holds its own blocks, and 64 MB on two threads stopped the
  // report with DuckDB's "Out of Memory Error" where one thread read the same export.
  if (threadsFrom !== THREADS_VARIABLE && memoryMb < wantedMb) {
    const held = Math.max(1, Math.floor(memoryMb / MIN_MEMORY_MB_PER_THREAD))
    if (held < threads) {
      threads = held
      threadsFrom = `${threadsFrom}, lowered to what ${memoryLimit} holds at ${MIN_MEMORY_MB_PER_THREAD} MB a thread`
    }
  }
  return {threads, memoryLimit, threadsFrom, memoryLimitFrom}
}

function wantedMemoryMb(threads: number): number {
  return BASE_MEMORY_MB + MEMORY_MB_PER_THREAD * threads
}

function defaultMemoryMb(threads: number, system: SystemResources): number {
  return Math.max(MIN_MEMORY_MB, Math.min(wantedMemoryMb(threads), quarterMb(system)))
}

function quarterMb(system: SystemResources): number {
  return Math.floor(system.memoryBytes / 4 / 1048576)
}

/** Where a budget cut to quarterMb comes from, as the profile line says it. */
function quarterOfMemory(system: SystemResources): string {
  return `a quarter of the ${Math.round(system.memoryBytes / 1048576)} MiB this process may use`
}

/**
 * DuckDB's budget for a load's staging COPY (stage.ts), which writes Parquet: the report's 150 MB is too small for
 * a writer buffering a row group of all 48 columns per thread and month. On the 200 MB bench export, 600 MB peaked
 * at ~730 MB RSS, 400 MB at ~570 MB for the same CPU time; 300 MB doubled the CPU time unless row groups were
 * halved. Like the report's, it is never more than a quarter of the memory the process may use: a fixed 400 MB was
 * SIGKILLed by the kernel in a 512 MB container, where 128 MB staged the same rows in 3x the CPU time. Set,
 * CCI_USAGE_MEMORY_LIMIT is the budget here too (`settings` carries it, already checked).
 */
export function loadMemoryLimit(settings: EngineSettings, system: SystemResources): {memoryLimit: string; from: string} {
  if (settings.memoryLimitFrom === MEMORY_LIMIT_VARIABLE) return {memoryLimit: settings.memoryLimit, from: MEMORY_LIMIT_VARIABLE}
  const quarter = quarterMb(system)
  if (quarter >= LOAD_MEMORY_MB) return {memoryLimit: `${LOAD_MEMORY_MB}MB`, from: `the load's ${LOAD_MEMORY_MB} MB`}
  return {memoryLimit: `${Math.max(MIN_MEMORY_MB, quarter)}MB`, from: quarterOfMemory(system)}
}

/** cgroup v2 `cpu.max` ("max 100000" or "<quota> <period>") or v1's cfs files, in cores; null when unlimited. */
export function cpuQuotaOf(cpuMax: string | null, v1Quota: string | null, v1Period: string | null): number | null {
  const v2 = cpuMax?.trim().split(/\s+/)
  if (v2 && v2.length === 2 && v2[0] !== 'max' && Number(v2[0]) > 0 && Number(v2[1]) > 0) return Number(v2[0]) / Number(v2[1])
  if (v1Quota !== null && v1Period !== null && Number(v1Quota) > 0 && Number(v1Period) > 0) return Number(v1Quota) / Number(v1Period)
  return null
}

/** cgroup v2 `memory.max` or v1's limit in bytes; null when unlimited (v1 writes a huge number for that). */
export function memoryLimitOf(memoryMax: string | null, v1Limit: string | null): number | null {
  for (const text of [memoryMax, v1Limit]) {
    const value = Number(text?.trim())
    if (text !== null && Number.isFinite(value) && value > 0 && value < 2 ** 60) return value
  }
  return null
}

function readOptional(path: string): string | null {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return null
  }
}

/**
 * The limits binding this process: the tightest of its own cgroup's and every parent's up to the hierarchy's root,
 * as the kernel enforces each of them. In a container the process's cgroup is the root (a cgroup namespace) and a
 * parent's folder does not exist there; outside one (a systemd unit's MemoryMax, a CI runner's slice) the limit is
 * on a parent: reading the root alone missed a 300 MB limit and gave DuckDB a 150 MB budget in it.
 * `procSelfCgroup` is /proc/self/cgroup; v2 (`0::/path`) is mounted at `root`, v1 controllers below it.
 */
export function cgroupLimits(
  procSelfCgroup: string | null,
  read: (path: string) => string | null,
  root = '/sys/fs/cgroup',
): {cpuQuota: number | null; cpuQuotaFrom: string; memoryLimit: number | null} {
  const paths = new Map<string, string>()
  for (const line of (procSelfCgroup ?? '').split('\n')) {
    const match = /^\d+:([^:]*):(\/.*)$/.exec(line.trim())
    if (match) for (const controller of match[1].split(',')) paths.set(controller, match[2])
  }
  let cpuQuota: number | null = null
  let cpuQuotaFrom = 'cgroup cpu.max'
  const takeQuota = (quota: number | null, from: string) => {
    if (quota !== null && (cpuQuota === null || quota < cpuQuota)) [cpuQuota, cpuQuotaFrom] = [quota, from]
  }
  const v2Dirs = cgroupDirs(root, paths.get(''))
  for (const dir of v2Dirs) takeQuota(cpuQuotaOf(read(`${dir}/cpu.max`), null, null), 'cgroup cpu.max')
  for (const dir of cgroupDirs(`${root}/cpu`, paths.get('cpu'))) {
    takeQuota(cpuQuotaOf(null, read(`${dir}/cpu.cfs_quota_us`), read(`${dir}/cpu.cfs_period_us`)), 'cgroup cpu.cfs_quota_us')
  }
  const memoryLimits = [
    ...v2Dirs.map((dir) => memoryLimitOf(read(`${dir}/memory.max`), null)),
    ...cgroupDirs(`${root}/memory`, paths.get('memory')).map((dir) => memoryLimitOf(null, read(`${dir}/memory.limit_in_bytes`))),
  ].filter((limit): limit is number => limit !== null)
  return {cpuQuota, cpuQuotaFrom, memoryLimit: memoryLimits.length > 0 ? Math.min(...memoryLimits) : null}
}

/** A hierarchy's root and, below it, each folder on the way to the process's own cgroup. */
function cgroupDirs(mount: string, path: string | undefined): string[] {
  const names = (path ?? '').split('/').filter((name) => name !== '')
  return [mount, ...names.map((_, index) => `${mount}/${names.slice(0, index + 1).join('/')}`)]
}

/**
 * The CPUs of the kernel's affinity list (`Cpus_allowed_list:\t0-3,8` in /proc/self/status), null when absent or
 * unreadable. Not os.availableParallelism(): from node 22.12 (libuv 1.49.1) that is already lowered to a cgroup CPU
 * quota, rounded down, so 1.5 cores gave DuckDB one thread on node 22-26 and two on node 20 (engineSettings rounds
 * a quota up).
 */
export function cpusAllowedOf(procSelfStatus: string | null): number | null {
  const list = /^Cpus_allowed_list:\s*(\S+)\s*$/m.exec(procSelfStatus ?? '')?.[1]
  if (!list) return null
  let count = 0
  for (const range of list.split(',')) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(range)
    if (!match) return null
    const [first, last] = [Number(match[1]), Number(match[2] ?? match[1])]
    if (last < first) return null
    count += last - first + 1
  }
  return count > 0 ? count : null
}

/** This machine's resources; `read` (a file's text or null), `parallelism` and `memory` are node's unless given. */
export function systemResources(
  read: (path: string) => string | null = readOptional,
  parallelism: () => number = availableParallelism,
  memory: () => number = totalmem,
): SystemResources {
  const limits = cgroupLimits(read('/proc/self/cgroup'), read)
  const allowed = cpusAllowedOf(read('/proc/self/status'))
  return {
    cpus: allowed ?? parallelism(),
    cpusFrom: allowed === null ? 'os.availableParallelism()' : 'CPU affinity',
    cpuQuota: limits.cpuQuota,
    cpuQuotaFrom: limits.cpuQuotaFrom,
    memoryBytes: Math.min(memory(), limits.memoryLimit ?? Number.POSITIVE_INFINITY),
  }
}
