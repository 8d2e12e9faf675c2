import {readFile} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'

import {writeJsonAtomic} from '../core/atomic.js'
import {coalesceRanges, windowsSpan, type DateRange} from './windows.js'

/**
 * `<out>/export-manifest.json`: what a rerun needs to resume without spending new POSTs (the API allows 10 an
 * hour) or re-downloading verified parts. It holds job ids, states and part files, NEVER a URL or a token.
 */
export const MANIFEST_SCHEMA_VERSION = 1 as const
export const MANIFEST_FILE = 'export-manifest.json'

export interface ManifestPart {
  index: number
  /** File name inside `<out>/.parts/`. */
  file: string
  /** Size of the verified .csv.gz. */
  bytes: number
  verified: boolean
  /** Data rows kept from this part, once merged. */
  rows?: number
  /**
   * The part's plain CSV in `<out>/.parts/`, written while it downloaded (part-scan.ts), and its size: a file
   * missing or of another size is made again from the verified .csv.gz, never downloaded again. Unset once
   * merged (the plain CSVs are removed then).
   */
  csvFile?: string
  csvBytes?: number
}

export interface ManifestWindow {
  start: string
  end: string
  jobId?: string
  state: string
  /** When the job was created (ISO 8601): the moment the API's data was taken. */
  createdAt?: string
  /** Number of parts the completed job has (0 = no usage in the window). */
  partCount?: number
  parts: ManifestPart[]
  rows?: number
}

export type ManifestStatus = 'running' | 'timed-out' | 'failed' | 'completed'

/**
 * What `<out>/usage.csv` holds: the export that last merged into it. It outlives the manifest of a newer export
 * of another range that has not finished (yet), so `report` can say that usage.csv is the earlier range.
 */
export interface MergedExport {
  range: {start: string; end: string}
  orgId: string
  sharedOrgIds: string[]
  rows: number
  mergedAt: string
}

export interface ExportManifest {
  schemaVersion: typeof MANIFEST_SCHEMA_VERSION
  host: string
  orgId: string
  sharedOrgIds: string[]
  range: {start: string; end: string}
  status: ManifestStatus
  windows: ManifestWindow[]
  rows?: number
  duplicatesDropped?: number
  updatedAt: string
  /** What usage.csv holds now (absent: no merge yet, or a manifest of an older version). */
  merged?: MergedExport
  /** Why the export stopped, when `status` is failed or timed-out (one line, never a URL or token). */
  failure?: string
  /** Made by --demo: its simulator stopped with the run, so a resume is `export --demo`, not its host. */
  demo?: true
}

export interface ExportRequest {
  host: string
  orgId: string
  sharedOrgIds: readonly string[]
  range: DateRange
  windows: readonly DateRange[]
  demo?: boolean
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  const left = [...a].sort()
  const right = [...b].sort()
  return left.length === right.length && left.every((id, i) => id === right[i])
}

/** True when a manifest was written for exactly this export (so its job ids answer the same question). */
export function manifestMatches(manifest: ExportManifest, request: ExportRequest): boolean {
  return (
    manifest.schemaVersion === MANIFEST_SCHEMA_VERSION &&
    manifest.host === request.host &&
    manifest.orgId === request.orgId &&
    sameIds(manifest.sharedOrgIds, request.sharedOrgIds) &&
    manifest.range.start === request.range.start.toISOString() &&
    manifest.range.end === request.range.end.toISOString() &&
    manifest.windows.length === request.windows.length &&
    manifest.windows.every(
      (window, i) =>
        window.start === request.windows[i].start.toISOString() && window.end === request.windows[i].end.toISOString(),
    )
  )
}

/**
 * Whether a completed export already holds everything this request asks, from jobs created on the same UTC day:
 * then `run` reuses usage.csv and creates no job (a rerun of `run --history` asks for fewer days once the first
 * run has put them in the history, and would otherwise spend new export jobs on data the folder holds). The same
 * day, because a rerun with the same range reuses the same jobs' data anyway (README). Pure.
 */
export function completedExportCovers(manifest: ExportManifest, request: ExportRequest, now: Date): boolean {
  if (manifest.schemaVersion !== MANIFEST_SCHEMA_VERSION || manifest.status !== 'completed') return false
  if (manifest.host !== request.host || manifest.orgId !== request.orgId || !sameIds(manifest.sharedOrgIds, request.sharedOrgIds)) return false
  if (Boolean(manifest.demo) !== Boolean(request.demo)) return false
  // usage.csv must hold this manifest's export, not an earlier one's.
  const merged = mergedBy(manifest)
  if (!merged || merged.range.start !== manifest.range.start || merged.range.end !== manifest.range.end) return false
  const today = now.toISOString().slice(0, 10)
  if (!manifest.windows.every((window) => window.state === 'completed' && window.createdAt?.slice(0, 10) === today)) return false
  // Touching windows join (one's end is the next one's start), so a request across their boundary is held.
  const held = coalesceRanges(manifest.windows.map((window) => ({start: new Date(window.start), end: new Date(window.end)})))
  return request.windows.every((window) => held.some((span) => span.start.getTime() <= window.start.getTime() && window.end.getTime() <= span.end.getTime()))
}

/** The manifest to work from: the previous one when it matches this request, else a fresh one. Pure. */
export function planManifest(
  previous: ExportManifest | undefined,
  request: ExportRequest,
  now: Date,
): {manifest: ExportManifest; resumed: boolean} {
  if (previous !== undefined && manifestMatches(previous, request)) {
    const {failure: _failure, ...resumed} = structuredClone(previous)
    const merged = mergedBy(previous)
    return {manifest: {...resumed, status: 'running', updatedAt: now.toISOString(), ...(merged ? {merged} : {})}, resumed: true}
  }
  const merged = previous === undefined ? undefined : mergedBy(previous)
  return {
    resumed: false,
    manifest: {
      schemaVersion: MANIFEST_SCHEMA_VERSION,
      host: request.host,
      orgId: request.orgId,
      sharedOrgIds: [...request.sharedOrgIds],
      range: {start: request.range.start.toISOString(), end: request.range.end.toISOString()},
      status: 'running',
      windows: request.windows.map((window) => ({
        start: window.start.toISOString(),
        end: window.end.toISOString(),
        state: 'new',
        parts: [],
      })),
      updatedAt: now.toISOString(),
      ...(merged ? {merged} : {}),
      ...(request.demo ? {demo: true as const} : {}),
    },
  }
}

/** What usage.csv holds according to `manifest` (a completed manifest of an older version says it too). */
export function mergedBy(manifest: ExportManifest): MergedExport | undefined {
  if (manifest.merged) return structuredClone(manifest.merged)
  if (manifest.status !== 'completed') return undefined
  return {range: {...manifest.range}, orgId: manifest.orgId, sharedOrgIds: [...manifest.sharedOrgIds], rows: manifest.rows ?? 0, mergedAt: manifest.updatedAt}
}

export function partFileName(jobId: string, index: number): string {
  // Job ids are UUIDs; anything else is reduced to safe characters so it cannot escape the parts folder.
  return `${jobId.replace(/[^A-Za-z0-9_-]/g, '_')}-${index + 1}.csv.gz`
}

/** A previous manifest, or undefined when there is none or it cannot be read (then the export starts fresh). */
export async function readManifest(path: string): Promise<ExportManifest | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch {
    return undefined
  }
  try {
    const parsed = JSON.parse(text) as ExportManifest
    if (parsed?.schemaVersion !== MANIFEST_SCHEMA_VERSION || !Array.isArray(parsed.windows)) return undefined
    return parsed
  } catch {
    return undefined
  }
}

/**
 * Writes the manifest atomically after each change. Saves are serialized so a slow older write can never land
 * after a newer one.
 */
export class ManifestStore {
  private queue: Promise<void> = Promise.resolve()

  constructor(
    readonly path: string,
    readonly manifest: ExportManifest,
    private readonly clock: () => Date,
  ) {}

  save(): Promise<void> {
    const write = this.queue.then(() => {
      this.manifest.updatedAt = this.clock().toISOString()
      return writeJsonAtomic(this.path, this.manifest)
    })
    this.queue = write.catch(() => undefined)
    return write
  }
}

/**
 * The windows of `<dir>/usage.csv` from the export-manifest.json beside it, when that export completed, with the
 * rows the manifest says the file holds (when it says): their one span when they leave no gap, else each run of
 * them (the manifest's range would span the gap, whose days only stray rows of the next window stand for).
 */
export async function manifestWindows(path: string): Promise<{windows: DateRange[]; rows: number | undefined} | null> {
  if (basename(path) !== 'usage.csv') return null
  const text = await readFile(join(dirname(path), MANIFEST_FILE), 'utf8').catch(() => null)
  if (text === null) return null
  try {
    const manifest = JSON.parse(text) as ExportManifest
    if (manifest.status !== 'completed' || !Array.isArray(manifest.windows) || manifest.windows.length === 0) return null
    const span = windowsSpan(manifest.windows)
    const windows = span ? [span] : coalesceRanges(manifest.windows.map((window) => ({start: new Date(window.start), end: new Date(window.end)})))
    return windows.some((window) => Number.isNaN(window.start.getTime()) || Number.isNaN(window.end.getTime())) ? null : {windows, rows: manifest.rows}
  } catch {
    return null
  }
}
